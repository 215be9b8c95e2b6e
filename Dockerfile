# syntax=docker/dockerfile:1
# The images of docker-compose.yml, built from source with the repository root as context, one
# target per app:
#   docker build --target inference-service -t rlhf-loop/inference-service .
# `docker compose up --build` builds all four; they share the one build stage.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The Maven repository lives in a BuildKit cache mount rather than a POM-only layer: the reactor's
# own modules cannot be resolved before they are built (dependency:go-offline fails on them), and
# the mount keeps every download across source changes all the same.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B package -DskipTests -pl inference-service,feedback-service,trainer-service,web -am

FROM eclipse-temurin:17-jre AS runtime
WORKDIR /app
# Listen beyond the container (the apps default to 127.0.0.1 for the local run). An environment
# variable, not a -D option, so that whoever runs the command elsewhere can still override it.
ENV QUARKUS_HTTP_HOST=0.0.0.0
# The engine's kernels need the Vector API module in every JVM that runs project code; the
# container is the app's alone, so its heap may grow to most of the container's memory.
ENTRYPOINT ["java", "--add-modules", "jdk.incubator.vector", "-XX:MaxRAMPercentage=75", "-jar", "quarkus-run.jar"]

FROM runtime AS inference-service
COPY --from=build /src/inference-service/target/quarkus-app/ /app/
EXPOSE 8081

FROM runtime AS feedback-service
COPY --from=build /src/feedback-service/target/quarkus-app/ /app/
EXPOSE 8082

FROM runtime AS trainer-service
COPY --from=build /src/trainer-service/target/quarkus-app/ /app/
EXPOSE 8083

FROM runtime AS web
COPY --from=build /src/web/target/quarkus-app/ /app/
EXPOSE 8080

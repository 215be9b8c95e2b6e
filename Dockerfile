# The image of every app in docker-compose.yml (inference-service, feedback-service, trainer-service,
# web): built with the app's folder as context and its HTTP port as PORT, e.g.
#   docker build -f Dockerfile --build-arg PORT=8081 inference-service
# Build the jars first: mvn -q install -DskipTests
FROM eclipse-temurin:21-jdk
ARG PORT
WORKDIR /app
COPY target/quarkus-app/lib/ /app/lib/
COPY target/quarkus-app/app/ /app/app/
COPY target/quarkus-app/quarkus/ /app/quarkus/
COPY target/quarkus-app/quarkus-run.jar /app/
EXPOSE ${PORT}
# The Vector API module is needed by every JVM that runs project code; listen on all interfaces
# inside the container (the default 127.0.0.1 is for the local run).
ENV JAVA_OPTS="--add-modules jdk.incubator.vector -Dquarkus.http.host=0.0.0.0"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]

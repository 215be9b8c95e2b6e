package dev.rlhfloop.service;

import dev.rlhfloop.contracts.SmokePing;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** POST /smoke starts a ping through every service; GET /smoke/{id} shows how far it got here. */
@Path("/smoke")
@Produces(MediaType.APPLICATION_JSON)
public class SmokeResource {
    @Inject
    SmokeRelay relay;

    @POST
    public Response send() {
        try {
            return Response.accepted(relay.send()).build();
        } catch (IllegalStateException e) {
            return ApiError.response(ApiError.Code.BROKER_UNAVAILABLE, e.getMessage());
        }
    }

    @GET
    @Path("/{id}")
    public Response find(@PathParam("id") String id) {
        return relay.find(id)
                .map(ping -> Response.ok(ping).build())
                .orElseGet(() -> ApiError.notFound("no smoke ping " + id + " seen by this service"));
    }
}

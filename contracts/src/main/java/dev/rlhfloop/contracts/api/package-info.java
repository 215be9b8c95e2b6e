/**
 * The public HTTP API's requests and answers (what the gateway routes under {@code /api/*}), one
 * record per JSON shape: the services answer with them, the CLI reads them, and each service's
 * OpenAPI document is generated from them. Bean Validation annotations are the input rules (the
 * services answer a violation with 400 {@code bad_request} naming the field); optional fields are
 * null and left out of the JSON.
 */
package dev.rlhfloop.contracts.api;

// Swagger UI for the gateway's aggregated document (a file, not an inline script, for the CSP).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});

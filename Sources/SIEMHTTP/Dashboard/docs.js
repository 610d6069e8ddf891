// Starts Swagger UI on /docs for the local /openapi.json (kept out of the page: no inline script).
/* global SwaggerUIBundle */
window.addEventListener('load', () => {
  if (typeof SwaggerUIBundle !== 'function') {
    document.getElementById('swagger-ui').textContent =
      'Swagger UI could not be loaded from cdn.jsdelivr.net; the document itself is at /openapi.json.';
    return;
  }
  SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
});

// What the pages do in the browser besides HTMX. It lives here, not in the HTML, because the
// Content-Security-Policy forbids inline scripts and event handlers (tvec.http.security).

// A button with data-print prints the page (the visit summary).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// A button with data-row-counter="ID" (the measure page's "Add a new lesion") sends the value
// of the hidden field ID as the row number `i` of the row it asks for, and counts that field up
// once the row has arrived.
document.addEventListener("htmx:configRequest", (event) => {
  const counter = rowCounter(event.detail.elt);
  if (counter) {
    event.detail.parameters.i = counter.value;
  }
});
document.addEventListener("htmx:afterRequest", (event) => {
  const counter = rowCounter(event.detail.elt);
  if (counter && event.detail.successful) {
    counter.value = String(Number(counter.value) + 1);
  }
});

function rowCounter(element) {
  const id = element && element.dataset ? element.dataset.rowCounter : undefined;
  return id ? document.getElementById(id) : null;
}

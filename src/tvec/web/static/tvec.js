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

// ---- Unsaved-input guard (the visit's measure step) ---------------------------------------------
// A form marked data-guard-unsaved that has been typed in (or given a new row) asks before its
// input is thrown away: following a link, submitting another form (confirm), or reloading or
// closing the page (the browser's own "leave site?" question). Submitting the form itself saves
// the input, so it does not ask. Measurements typed and not saved are never lost without a word.
const UNSAVED_QUESTION = "The measurements you typed are not saved. Leave this page without saving them?";
let unsavedForm = null;

function markUnsaved(element) {
  const form = element && element.closest ? element.closest("form[data-guard-unsaved]") : null;
  if (form) {
    unsavedForm = form;
  }
}

// A form the server sent back refused keeps what was typed, still not saved (data-unsaved).
markUnsaved(document.querySelector("form[data-guard-unsaved][data-unsaved]"));
document.addEventListener("input", (event) => markUnsaved(event.target));
document.addEventListener("htmx:afterSwap", (event) => markUnsaved(event.detail.target));

document.addEventListener("submit", (event) => {
  if (!unsavedForm) {
    return;
  }
  if (event.target !== unsavedForm && !window.confirm(UNSAVED_QUESTION)) {
    event.preventDefault();
    return;
  }
  unsavedForm = null;
});

document.addEventListener("click", (event) => {
  const link = event.target.closest ? event.target.closest("a[href]") : null;
  if (!unsavedForm || !link || link.getAttribute("href").startsWith("#") || link.target) {
    return;
  }
  if (window.confirm(UNSAVED_QUESTION)) {
    unsavedForm = null;
  } else {
    event.preventDefault();
  }
});

window.addEventListener("beforeunload", (event) => {
  if (unsavedForm) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// A new-lesion row's "Remove" button takes the row off the form (the server then ignores it: its
// fields are no longer sent).
document.addEventListener("click", (event) => {
  const button = event.target.closest ? event.target.closest("[data-remove-row]") : null;
  const row = button ? button.closest("[data-new-lesion-row]") : null;
  if (row) {
    markUnsaved(row);
    row.remove();
  }
});

// ---- Pharmacy board countdowns ------------------------------------------------------------------
// Each [data-expires-at] inside a [data-server-now] section counts down every second from the
// server's latest-use time. The server's "now" when it sent the section sets the offset to the
// browser's clock, so a browser clock that is wrong does not move a vial's expiry. The section
// itself is fetched again every 30 s (HTMX), which brings the server's clocks back. Red when fewer
// than data-warn-minutes are left (tvec's rule) and once expired, as the server draws it.
function pad2(n) {
  return String(n).padStart(2, "0");
}

function leftText(ms) {
  if (ms <= 0) {
    return "Expired: discard";
  }
  const minutes = Math.floor(ms / 60000);
  const hours = Math.floor(minutes / 60);
  if (hours) {
    return `${hours} h ${pad2(minutes % 60)} min left`;
  }
  if (minutes < 30) {
    return `${minutes} min ${pad2(Math.floor(ms / 1000) % 60)} s left`;
  }
  return `${minutes} min left`;
}

function tickBoard() {
  document.querySelectorAll("[data-server-now]").forEach((section) => {
    if (!section.dataset.offset) {
      section.dataset.offset = String(Date.parse(section.dataset.serverNow) - Date.now());
    }
    const now = Date.now() + Number(section.dataset.offset);
    const warn = Number(section.dataset.warnMinutes) * 60000;
    section.querySelectorAll("[data-expires-at]").forEach((countdown) => {
      const left = Date.parse(countdown.dataset.expiresAt) - now;
      countdown.textContent = leftText(left);
      const card = countdown.closest(".clock");
      if (card) {
        card.classList.toggle("clock-red", left < warn);
      }
    });
  });
}

if (document.querySelector("[data-server-now]")) {
  tickBoard();
  setInterval(tickBoard, 1000);
}
document.addEventListener("htmx:afterSwap", tickBoard);

// ---- Adverse-event term picker (the adverse-event form) ----------------------------------------
// Choosing a CTCAE term shows that term's grade descriptions, offers only the grades it has
// ("–" in CTCAE: disabled) and shows "Other, specify" only for the term `other`. The server
// checks the same (tvec.domain.adverse_event); this only helps while choosing.
function showTerm(picker) {
  const option = picker.selectedOptions[0];
  const grades = option && option.dataset.grades ? option.dataset.grades.split(" ") : [];
  const form = picker.form;
  form.querySelectorAll("[data-grades-for]").forEach((list) => {
    list.hidden = list.dataset.gradesFor !== picker.value;
  });
  const grade = form.querySelector("select[name=grade]");
  grade.querySelectorAll("option[value]").forEach((o) => {
    o.disabled = o.value !== "" && grades.length > 0 && !grades.includes(o.value);
    if (o.disabled && o.selected) {
      grade.value = "";
    }
  });
  const other = form.querySelector("[data-other-specify]");
  if (other) {
    other.hidden = picker.value !== "other";
  }
}
document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches("[data-term-picker]")) {
    showTerm(event.target);
  }
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-term-picker]").forEach(showTerm);
});

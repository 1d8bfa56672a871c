// Shows the message of a failed htmx request (403, 404, 409, 500, network) instead of failing silently.
(function () {
  "use strict";
  var toast = function (html) {
    var box = document.getElementById("toast");
    if (!box) { return; }
    box.innerHTML = html;
    box.hidden = false;
    window.clearTimeout(box._timer);
    box._timer = window.setTimeout(function () { box.hidden = true; }, 6000);
  };
  // Messages of our own come translated from data attributes on #toast (see layouts/base.html).
  var plainAlert = function (key) {
    var box = document.getElementById("toast");
    var div = document.createElement("div");
    div.className = "alert alert-error";
    div.textContent = box ? box.dataset[key] : "";
    return div.outerHTML;
  };
  document.addEventListener("htmx:responseError", function (event) {
    var text = event.detail.xhr.responseText || "";
    toast(text.indexOf('class="alert') !== -1 ? text : plainAlert("failed"));
  });
  document.addEventListener("htmx:sendError", function () {
    toast(plainAlert("offline"));
  });
  // On a narrow screen the console menu folds behind one button, so a phone opens on the page itself; without
  // script the menu stays open (the CSS folds it only under .menu-folds).
  var menuButton = document.querySelector(".sidebar .menu-toggle");
  if (menuButton) {
    var sidebar = menuButton.closest(".sidebar");
    sidebar.classList.add("menu-folds");
    menuButton.hidden = false;
    menuButton.addEventListener("click", function () {
      var open = sidebar.classList.toggle("menu-open");
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // The kiosk clock ticks without reloading the page.
  var clock = document.getElementById("kiosk-time");
  if (clock) {
    window.setInterval(function () {
      var now = new Date();
      clock.textContent = String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
    }, 10000);
  }
}());

// A scanner types the number and Enter: in a field marked data-enter-next="<name>", Enter goes on to that field
// while it is empty (the unit after the tracking number), and submits the form once it is filled.
document.addEventListener("keydown", function (event) {
  "use strict";
  var field = event.target;
  if (event.key !== "Enter" || !field.dataset || !field.dataset.enterNext || !field.form) { return; }
  var next = field.form.elements[field.dataset.enterNext];
  if (next && !next.value.trim()) {
    event.preventDefault();
    next.focus();
  }
});

// Parcel intake: after a parcel is logged, empty the number and unit fields, set the carrier back to "from the
// number" (never the last parcel's carrier; the shelf stays) and put the cursor back in the number field, ready
// for the scanner.
document.addEventListener("parcelLogged", function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  ["tracking_number", "more", "unit_label", "carrier"].forEach(function (name) {
    if (form.elements[name]) { form.elements[name].value = ""; }
  });
  var guess = document.getElementById("carrier-guess");
  if (guess) { guess.textContent = ""; }
  form.querySelectorAll(".error").forEach(function (el) { el.remove(); });
  form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
  form.querySelectorAll("[aria-invalid=true]").forEach(function (el) { el.setAttribute("aria-invalid", "false"); });
  form.elements.tracking_number.focus();
});

// After htmx swaps a region the element that had the focus may be gone, and the focus falls to the page body. A form
// that comes back with errors puts the cursor on its first invalid field; otherwise a lost focus goes to the field
// the new content asks for (autofocus).
document.addEventListener("htmx:afterSettle", function (event) {
  "use strict";
  var root = event.detail.elt && document.contains(event.detail.elt) ? event.detail.elt : document;
  var active = document.activeElement;
  var lost = !active || active === document.body || !document.contains(active);
  var invalid = root.querySelector("[aria-invalid=true]") || document.querySelector("[aria-invalid=true]");
  if (invalid && (lost || active.getAttribute("aria-invalid") !== "true")) {
    invalid.focus();
    return;
  }
  var wanted = lost && root.querySelector("[autofocus]");
  if (wanted) { wanted.focus(); }
});

// A "Print" button (the renovation permit): no inline script under the CSP.
document.addEventListener("click", function (event) {
  "use strict";
  if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
});

// The kiosk forgets the last person: after 45 s without a touch a warning shows, at 60 s it returns to its
// start screen (replacing the history entry, so Back shows nothing of theirs).
(function () {
  "use strict";
  var screen = document.querySelector("[data-idle-home]");
  if (!screen) { return; }
  var warning = document.getElementById("kiosk-idle");
  var warnTimer, homeTimer;
  var arm = function () {
    window.clearTimeout(warnTimer);
    window.clearTimeout(homeTimer);
    if (warning) { warning.hidden = true; }
    warnTimer = window.setTimeout(function () { if (warning) { warning.hidden = false; } }, 45000);
    homeTimer = window.setTimeout(function () { window.location.replace(screen.dataset.idleHome); }, 60000);
  };
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, arm, { passive: true });
  });
  arm();
}());

// The kiosk's on-screen keypad types into the field last touched (the unit first, then the code).
(function () {
  "use strict";
  var keypad = document.querySelector("[data-keypad]");
  if (!keypad) { return; }
  var fields = document.querySelectorAll("[data-keypad-target]");
  var current = fields[0];
  fields.forEach(function (field) { field.addEventListener("focus", function () { current = field; }); });
  keypad.addEventListener("click", function (event) {
    var key = event.target.closest && event.target.closest("[data-key]");
    if (!key || !current) { return; }
    var value = key.dataset.key;
    current.value = value === "⌫" ? current.value.slice(0, -1) : current.value + value;
    current.focus();
  });
}());

// The portal's tab bar scrolls sideways on a narrow phone: show the current tab.
(function () {
  "use strict";
  var current = document.querySelector(".portal-tabs [aria-current=page]");
  if (current && current.parentElement.scrollWidth > current.parentElement.clientWidth) {
    current.parentElement.scrollLeft = current.offsetLeft - (current.parentElement.clientWidth - current.offsetWidth) / 2;
  }
}());

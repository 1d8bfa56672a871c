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
  document.addEventListener("htmx:responseError", function (event) {
    var text = event.detail.xhr.responseText || "";
    toast(text.indexOf('class="alert') !== -1 ? text : '<div class="alert alert-error">' + event.detail.xhr.status + "</div>");
  });
  document.addEventListener("htmx:sendError", function () {
    toast('<div class="alert alert-error">' + (document.documentElement.lang === "en" ? "The server cannot be reached. Check the connection and try again." : "无法连接服务器，请检查网络后重试。") + "</div>");
  });
  // The kiosk clock ticks without reloading the page.
  var clock = document.getElementById("kiosk-time");
  if (clock) {
    window.setInterval(function () {
      var now = new Date();
      clock.textContent = String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
    }, 10000);
  }
}());

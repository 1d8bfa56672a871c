// Signature pads: a canvas inside [data-signature-pad] becomes a SignaturePad (mouse, pen and touch through
// pointer events); the drawing goes into the hidden input beside it as a PNG data URL when the form is sent.
(function () {
  "use strict";

  function fit(canvas, pad) {
    // Size the canvas to its box at the screen's pixel ratio, keeping what is drawn.
    var data = pad.toData();
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(data);
  }

  function setUp(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var canvas = box.querySelector("canvas");
    var input = box.querySelector("input[type=hidden]");
    var pad = new window.SignaturePad(canvas, { penColor: "#111", minWidth: 0.8, maxWidth: 2.6 });
    fit(canvas, pad);
    window.addEventListener("resize", function () { fit(canvas, pad); });
    pad.addEventListener("endStroke", function () {
      input.value = pad.toDataURL("image/png");
      box.classList.add("signed");
    });
    var clear = box.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        pad.clear();
        input.value = "";
        box.classList.remove("signed");
      });
    }
  }

  function setUpAll(root) {
    if (!window.SignaturePad) return;
    (root || document).querySelectorAll("[data-signature-pad]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  document.addEventListener("htmx:load", function (event) { setUpAll(event.target); });
})();

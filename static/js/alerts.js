// The console's urgent alerts (templates/staff/_alerts.html): a short beep when an alert id appears that this
// browser has not beeped for yet (on page load or when the polled banner brings one). No audio file: WebAudio.
// A browser that blocks audio until the user has touched the page simply stays silent.
(function () {
  "use strict";
  var KEY = "console-alerts-heard";
  var heard = function () {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  };
  var remember = function (ids) {
    try { window.localStorage.setItem(KEY, JSON.stringify(ids.slice(-50))); } catch (e) { /* private mode */ }
  };
  var beep = function () {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) { return; }
      var audio = new Context();
      if (audio.state === "suspended" && audio.resume) { audio.resume().catch(function () {}); }
      [0, 0.25].forEach(function (start) {
        var tone = audio.createOscillator();
        var gain = audio.createGain();
        tone.type = "sine";
        tone.frequency.value = 880;
        gain.gain.setValueAtTime(0.2, audio.currentTime + start);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + 0.2);
        tone.connect(gain);
        gain.connect(audio.destination);
        tone.start(audio.currentTime + start);
        tone.stop(audio.currentTime + start + 0.2);
      });
      window.setTimeout(function () { audio.close(); }, 1000);
    } catch (e) { /* audio blocked: the banner still shows */ }
  };
  var check = function () {
    var banner = document.getElementById("alert-banner");
    if (!banner) { return; }
    var ids = (banner.dataset.alertIds || "").split(",").filter(Boolean);
    var known = heard();
    var fresh = ids.filter(function (id) { return known.indexOf(id) === -1; });
    if (fresh.length) {
      document.body.dataset.alertBeeped = fresh.join(",");
      beep();
      remember(known.concat(fresh));
    }
  };
  document.addEventListener("DOMContentLoaded", check);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "alert-banner") { check(); }
  });
}());

// The walk page of a patrol round (templates/staff/patrols/today/walk.html), built for a phone in one hand.
// - "Scan label" opens the back camera; each frame goes through jsQR until a label's QR is read; the code (the end
//   of the label's URL) opens that checkpoint's form. A refused camera falls back to typing the code.
// - Each visit and finding goes into a queue in localStorage (one per round) before it is sent, with the phone's
//   time of the scan; the queue is sent at once, again when the connection is back ("online") and on the next page
//   load. The server keeps a visit per round and checkpoint and a finding per client key, so a resend is harmless.
// - The page says how many records wait to send, and Finish stays disabled until none do.
// No location is read: a scan records the phone's time and nothing more.
(function () {
  "use strict";

  var root = document.querySelector("[data-patrol-walk]");
  if (!root) return;
  var roundId = root.dataset.round;
  var storeKey = "patrol-queue-" + roundId;
  var sending = false;
  var MAX_SIDE = 1280;

  // The queue ---------------------------------------------------------------------------------------------------

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; }
  }

  function save(queue) {
    try {
      if (queue.length) localStorage.setItem(storeKey, JSON.stringify(queue));
      else localStorage.removeItem(storeKey);
      return true;
    } catch (e) {
      return false; // storage full (photos): the caller says so
    }
  }

  function say(text) {
    var box = root.querySelector("[data-walk-message]");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function showQueue() {
    var queue = load();
    var box = root.querySelector("[data-queue]");
    if (box) {
      box.hidden = queue.length === 0;
      box.textContent = box.dataset.template.replace("{count}", queue.length);
    }
    var block = root.querySelector("[data-queue-block]");
    if (block) block.hidden = queue.length === 0;
    var finish = root.querySelector("[data-finish]");
    if (finish) finish.disabled = queue.length > 0;
    var list = root.querySelector("[data-queued-findings]");
    if (list) {
      list.textContent = "";
      queue.filter(function (entry) { return entry.kind === "finding"; }).forEach(function (entry) {
        var item = document.createElement("li");
        item.className = "walk-finding is-waiting";
        item.textContent = entry.fields.description + " — " + root.dataset.msgWaiting;
        list.appendChild(item);
      });
    }
    queue.filter(function (entry) { return entry.kind === "visit"; }).forEach(function (entry) {
      markPoint(entry.fields.code, "waiting");
    });
  }

  function markPoint(code, mode) {
    // mode: "waiting" (kept on the phone), "recorded" (the server has it) or "reset" (refused: as the page came).
    var point = pointOf(code);
    if (!point) return;
    var state = point.querySelector("[data-point-state]");
    if (state) {
      if (state.dataset.initial === undefined) state.dataset.initial = state.textContent;
      state.textContent = mode === "waiting" ? root.dataset.msgWaiting
        : mode === "recorded" ? root.dataset.msgRecorded : state.dataset.initial;
    }
    point.classList.toggle("is-waiting", mode === "waiting");
    if (mode === "recorded") point.classList.add("is-recorded");
  }

  function showNext() {
    // The next point not yet recorded nor waiting, and the finish's list of points not reached.
    var left = Array.prototype.filter.call(root.querySelectorAll(".walk-point"), function (point) {
      return !point.classList.contains("is-recorded") && !point.classList.contains("is-waiting");
    });
    var next = root.querySelector("[data-next]");
    if (next) {
      if (!left.length) next.textContent = next.dataset.done;
      else {
        var place = left[0].querySelector("[data-point-place]");
        var strong = next.querySelector("strong");
        if (strong) strong.textContent = left[0].querySelector(".point-no").textContent + ". " +
          left[0].querySelector("[data-point-name]").textContent;
        var rest = strong && strong.nextSibling;
        if (rest) rest.textContent = place ? " · " + place.textContent : "";
      }
    }
    var missing = root.querySelector("[data-missing]");
    if (missing) {
      var codes = left.map(function (point) { return point.dataset.code; });
      missing.querySelectorAll("[data-missing-code]").forEach(function (span) {
        span.hidden = codes.indexOf(span.dataset.missingCode) === -1;
      });
      missing.hidden = codes.length === 0;
    }
  }

  function showProgress() {
    showNext();
    var progress = root.querySelector("[data-progress]");
    if (!progress) return;
    var done = root.querySelectorAll(".walk-point.is-recorded:not(.is-waiting)").length;
    progress.textContent = progress.dataset.template.replace("{done}", done);
  }

  function token() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function dataUrlToBlob(url) {
    var parts = url.split(",");
    var type = (parts[0].match(/data:([^;]+)/) || [])[1] || "image/jpeg";
    var bytes = atob(parts[1]);
    var array = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) array[i] = bytes.charCodeAt(i);
    return new Blob([array], { type: type });
  }

  function sendOne(entry) {
    // Resolves "sent", "refused" (with the message) or "later" (no connection, or the session ended).
    var body = new FormData();
    Object.keys(entry.fields).forEach(function (name) { body.append(name, entry.fields[name]); });
    body.set("csrf_token", token()); // the page's current token: a queued entry may be hours old
    (entry.photos || []).forEach(function (url, index) {
      body.append("photos", dataUrlToBlob(url), "photo-" + (index + 1) + ".jpg");
    });
    return fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        if (response.redirected || response.status === 401) say(root.dataset.msgSignIn);
        return { status: "later" };
      }
      return response.json().then(function (data) {
        if (response.ok) return { status: "sent", data: data };
        if (response.status >= 500) return { status: "later" };
        return { status: "refused", data: data };
      });
    }, function () { return { status: "later" }; });
  }

  function flush() {
    if (sending) return Promise.resolve();
    var queue = load();
    if (!queue.length) { showQueue(); return Promise.resolve(); }
    sending = true;
    var entry = queue[0];
    return sendOne(entry).then(function (result) {
      sending = false;
      if (result.status === "later") {
        clearFinding(entry);
        if (!navigator.onLine) say(root.dataset.msgOffline);
        showQueue();
        return;
      }
      save(load().filter(function (other) { return other.id !== entry.id; }));
      settled(entry, result);
      showQueue();
      showProgress();
      return flush();
    });
  }

  function settled(entry, result) {
    var form = document.getElementById(entry.formId);
    if (result.status === "sent") {
      clearFinding(entry);
      if (entry.kind === "visit") {
        markPoint(entry.fields.code, "recorded");
      } else {
        // The finding is on the server: reload when nothing else waits, to show it with its "Make a ticket".
        if (!load().length) window.location.reload();
      }
      return;
    }
    var message = (result.data && result.data.error) || "";
    if (entry.kind === "visit") markPoint(entry.fields.code, "reset");
    if (form && form.dataset.pending === entry.id) {
      // Still on screen: show the message where it was typed (the fields are kept).
      var box = form.querySelector("[data-form-message]");
      if (box) { box.textContent = message; box.hidden = false; }
      form.hidden = false;
    } else {
      say(message);
    }
  }

  // Forms -------------------------------------------------------------------------------------------------------

  function fieldsOf(form) {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrf_token") fields[name] = value;
    });
    return fields;
  }

  function resized(file) {
    // A photo as a JPEG data URL no larger than MAX_SIDE on its longer side (small enough to keep in the queue).
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onload = function () {
        var image = new Image();
        image.onload = function () {
          var scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
          var canvas = document.createElement("canvas");
          canvas.width = Math.round(image.width * scale);
          canvas.height = Math.round(image.height * scale);
          canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
          resolve(canvas.toDataURL("image/jpeg", 0.8));
        };
        image.onerror = function () { resolve(null); };
        image.src = reader.result;
      };
      reader.onerror = function () { resolve(null); };
      reader.readAsDataURL(file);
    });
  }

  function newKey() {
    return "r" + roundId + "-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  function enqueue(form, kind, photos) {
    var entry = {
      id: newKey(), kind: kind, url: form.action, formId: form.id, fields: fieldsOf(form), photos: photos || []
    };
    if (kind === "finding") entry.fields.client_key = entry.id;
    var queue = load();
    queue.push(entry);
    if (!save(queue)) {
      // No room on the phone for the photos: send the form the ordinary way instead.
      form.submit();
      return;
    }
    form.dataset.pending = entry.id;
    var box = form.querySelector("[data-form-message]");
    if (box) box.hidden = true;
    if (kind === "visit") {
      form.hidden = true;
      var point = form.closest(".walk-point");
      if (point) point.classList.remove("is-open");
      markPoint(entry.fields.code, "waiting");
    }
    showQueue();
    showProgress();
    flush();
  }

  function clearFinding(entry) {
    // A finding sent or kept for later leaves the form empty for the next one; a refused one stays as typed.
    var form = document.getElementById(entry.formId);
    if (entry.kind !== "finding" || !form || form.dataset.pending !== entry.id) return;
    delete form.dataset.pending;
    form.reset();
    var details = form.closest("details");
    if (details) details.open = false;
  }

  root.querySelectorAll("[data-visit-form]").forEach(function (form, index) {
    form.id = form.id || "visit-form-" + index;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      enqueue(form, "visit");
    });
  });

  var findingForm = root.querySelector("[data-finding-form]");
  if (findingForm) {
    findingForm.id = findingForm.id || "finding-form";
    findingForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var description = findingForm.elements.description;
      if (description && !description.value.trim()) { description.focus(); return; }
      var input = findingForm.querySelector("input[type=file]");
      var files = input ? Array.prototype.slice.call(input.files || []) : [];
      Promise.all(files.map(resized)).then(function (photos) {
        enqueue(findingForm, "finding", photos.filter(Boolean));
      });
    });
  }

  var finishForm = root.querySelector("[data-finish-form]");
  if (finishForm) {
    finishForm.addEventListener("submit", function (event) {
      if (load().length) { event.preventDefault(); showQueue(); flush(); }
    });
  }

  // Opening a checkpoint by its label -----------------------------------------------------------------------------

  function codeOf(text) {
    text = (text || "").trim();
    if (text.indexOf("/") !== -1) text = text.replace(/\/+$/, "").split("/").pop().split("?")[0];
    return text.replace(/[\s-]/g, "").toUpperCase(); // as the server stores it (domain/movein/invitations.py)
  }

  function pointOf(code) {
    code = codeOf(code);
    var found = null;
    root.querySelectorAll(".walk-point[data-code]").forEach(function (point) {
      if (point.dataset.code.toUpperCase() === code) found = point;
    });
    return found;
  }

  function openPoint(text, method) {
    var point = pointOf(text);
    if (!point) { say(root.dataset.msgNotOnRoute); return false; }
    var form = point.querySelector("[data-visit-form]");
    if (!form) return false;
    say("");
    root.querySelectorAll("[data-visit-form]").forEach(function (other) { if (other !== form) other.hidden = true; });
    form.elements.code.value = point.dataset.code;
    form.elements.method.value = method;
    form.elements.scanned_at.value = new Date().toISOString(); // the phone's time at the scan
    form.hidden = false;
    point.classList.add("is-open");
    point.scrollIntoView({ behavior: "smooth", block: "start" });
    return true;
  }

  var codeForm = root.querySelector("[data-code-form]");
  if (codeForm) {
    codeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (openPoint(codeForm.elements.code.value, "code")) codeForm.elements.code.value = "";
    });
  }
  // A point the server opened (a typed code, or a label opened by the phone's own camera app) starts its clock now.
  var opened = root.querySelector(".walk-point.is-open [data-visit-form]");
  if (opened && !opened.elements.scanned_at.value) opened.elements.scanned_at.value = new Date().toISOString();

  // The camera ----------------------------------------------------------------------------------------------------

  var scanButton = root.querySelector("[data-scan]");
  var scanner = root.querySelector("[data-scanner]");
  var stream = null;

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    if (scanner) scanner.hidden = true;
    if (scanButton) scanButton.hidden = false;
  }

  function cameraRefused() {
    stopCamera();
    if (scanButton) scanButton.hidden = true;
    say(root.dataset.msgCamera);
    var typed = root.querySelector("#typed-code");
    if (typed) typed.focus();
  }

  function readFrames(video) {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    function frame() {
      if (!stream) return;
      if (video.readyState >= 2 && video.videoWidth) {
        var scale = Math.min(1, 800 / Math.max(video.videoWidth, video.videoHeight));
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
        if (found && found.data) {
          stopCamera();
          openPoint(found.data, "scan");
          return;
        }
      }
      window.requestAnimationFrame(frame);
    }
    window.requestAnimationFrame(frame);
  }

  function startCamera() {
    var video = scanner.querySelector("video");
    say("");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      scanner.hidden = false;
      scanButton.hidden = true;
      return video.play().then(function () { readFrames(video); });
    }).catch(cameraRefused);
  }

  if (scanButton && scanner && window.jsQR && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    scanButton.hidden = false;
    scanButton.addEventListener("click", startCamera);
    var stop = scanner.querySelector("[data-scan-stop]");
    if (stop) stop.addEventListener("click", stopCamera);
    window.addEventListener("pagehide", stopCamera);
  }

  // Sending -------------------------------------------------------------------------------------------------------

  window.addEventListener("online", function () { say(""); flush(); });
  showQueue();
  showProgress();
  flush(); // what an earlier visit of the page could not send (a finished round refuses it, and says so)
})();

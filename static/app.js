// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  function setStatus(text, failed, box) {
    var status = box || document.getElementById("save-status");
    if (!status) return;
    status.textContent = "";
    var span = document.createElement("span");
    span.className = "save-status__text" + (failed ? " save-status__text--failed" : "");
    span.textContent = text;
    status.appendChild(span);
  }

  // A request that never reached the server (network down, server restarting) must not look saved.
  // The message text comes from the page (data-not-saved on <body>), so it is translated like the rest.
  document.addEventListener("htmx:sendError", function () {
    setStatus(document.body.dataset.notSaved, true);
  });

  // Signed out while typing (the session ended, or the person signed out in another tab): the server refuses the
  // request in place (header X-Planbuilder-Session) instead of sending the page to sign-in. Say so and keep the
  // text; when the person comes back to this tab signed in again, take the new session's form token, save the
  // autosaves that are waiting, and tell the sender of any other form that it can be sent again.
  var waitingAutosaves = [];
  var waitingBoxes = [];
  var resuming = false;

  // Where to say it: the wizard's save status, else a message at the top of the form that was sent.
  function messageBox(source) {
    var status = document.getElementById("save-status");
    if (status) return status;
    var form = source.closest("form") || source;
    var box = form.querySelector(".session-status");
    if (!box) {
      box = document.createElement("p");
      box.className = "session-status";
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    return box;
  }

  function showSignedOut(box) {
    var body = document.body.dataset;
    setStatus(body.signedOut, true, box);
    var link = document.createElement("a");
    link.href = body.signInUrl;
    link.target = "_blank";
    link.rel = "noopener";
    link.className = "save-status__reload";
    link.textContent = body.signInLabel;
    box.appendChild(document.createTextNode(" "));
    box.appendChild(link);
  }

  // Any other refusal (403 after a role change, 404, 429, 500, 503) says what the server said, where the person
  // looks: the server answers an htmx request with a fragment holding one message (errors/_error.html).
  function errorMessage(xhr) {
    if (!xhr || !xhr.responseText) return "";
    var found = new DOMParser().parseFromString(xhr.responseText, "text/html").querySelector("[data-error-message]");
    return found ? found.textContent.trim() : "";
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("X-Planbuilder-Session")) return;  // signed out: handled below
    setStatus(errorMessage(xhr) || document.body.dataset.notSaved, true, messageBox(event.detail.elt));
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || !xhr.getResponseHeader("X-Planbuilder-Session")) return;
    var source = event.detail.elt;
    var box = messageBox(source);
    showSignedOut(box);
    if (source.matches("[hx-vals*='_autosave']")) {
      if (waitingAutosaves.indexOf(source) < 0) waitingAutosaves.push(source);
    } else if (waitingBoxes.indexOf(box) < 0) {
      waitingBoxes.push(box);  // adding a comment or a row is the person's to send again
    }
  });

  function useToken(token) {
    document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRFToken": token}));
    document.querySelectorAll("input[name='csrf_token']").forEach(function (input) { input.value = token; });
  }

  function resumeAfterSignIn() {
    if (resuming || document.visibilityState === "hidden") return;
    if (!waitingAutosaves.length && !waitingBoxes.length) return;
    resuming = true;
    fetch(document.body.dataset.sessionUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state || !state.signed_in) return;
        useToken(state.csrf_token);
        waitingBoxes.splice(0).forEach(function (box) { setStatus(document.body.dataset.signedInAgain, false, box); });
        waitingAutosaves.splice(0).forEach(function (source) { htmx.trigger(source, "change"); });
      })
      .catch(function () {})
      .then(function () { resuming = false; });
  }
  window.addEventListener("focus", resumeAfterSignIn);
  document.addEventListener("visibilitychange", resumeAfterSignIn);

  // Typing is saved after a short pause; until that save has come back, leaving the page would lose it,
  // so the browser asks first. Kept per field (the element that autosaves it): a refused save (409 conflict,
  // 422 too long) leaves its field unsaved even when another field saves afterwards, unless the refusal put
  // the stored answer back on the screen (the "completed" mark refused while answers are missing).
  var unsaved = new Set();
  var typedSinceSent = new Set();  // see "change" below
  document.addEventListener("input", function (event) {
    var source = event.target.closest && event.target.closest("form [hx-post]");
    if (source) { unsaved.add(source); typedSinceSent.add(source); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (!event.detail.successful || !xhr) return;
    if (xhr.status >= 400 && !xhr.getResponseHeader("X-Planbuilder-Restored")) return;
    // The element that sent the request: htmx keeps it in requestConfig.elt (a "Keep my text" button is gone
    // from the page by now, replaced by the answer). "Keep my text" saves a field for that field's element.
    var config = event.detail.requestConfig, source = (config && config.elt) || event.detail.elt;
    var kept = (source.name || "").indexOf("_keep-") === 0 ? source.name.slice(6) : null;
    unsaved.delete(kept ? document.querySelector("[hx-vals='{\"_autosave\": \"" + kept + "\"}']") : source);
  });
  document.addEventListener("submit", function () { unsaved.clear(); });

  // Leaving a field sends it once more ("change"), which is only worth it when it was typed in since its last
  // save: after a refused save that second send would be refused again and replace the message, and the
  // "Keep my text" button the person is reaching for with it.
  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "change" && trigger.isTrusted && !typedSinceSent.has(event.detail.elt)) {
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:beforeSend", function (event) { typedSinceSent.delete(event.detail.elt); });
  window.addEventListener("beforeunload", function (event) {
    // Rows replaced after a row action were saved with it: only what is still on the page counts.
    var waiting = Array.from(unsaved).filter(function (source) { return document.body.contains(source); });
    if (waiting.length) { event.preventDefault(); event.returnValue = ""; }
  });

  // After a list of rows is replaced, put keyboard focus back where the person was working. Only the content
  // that settled is searched (the event fires on it; event.detail.target is the removed element after an
  // outerHTML swap): another request settling a moment earlier must not move focus into rows whose inputs
  // htmx has not wired up yet, or the first words typed there would not be saved.
  document.addEventListener("htmx:afterSettle", function (event) {
    var settled = event.target;
    if (!settled.querySelector) return;
    var focus = settled.matches("[data-autofocus]") ? settled : settled.querySelector("[data-autofocus]");
    if (!focus) return;
    focus.removeAttribute("data-autofocus");
    focus.focus();
  });

  // The error summary takes focus so screen-reader users hear what went wrong first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
  // A document being made is ready (views/documents.py answers the progress page's poll with this event):
  // start the download from the same address, which now hands over the file.
  document.body.addEventListener("planbuilder:download", function (event) {
    var detail = event.detail || {};
    var url = detail.url || (detail.value && detail.value.url);
    if (url) window.location.href = url;
  });
  // A form that must not be sent twice (recording an adoption): its button is disabled once it is sent, and
  // says what is happening. Without JavaScript the server refuses the second send (the version is adopted).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-once")) return;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "yes";
    form.setAttribute("aria-busy", "true");
    var button = form.querySelector("button[type=submit]");
    if (button) {
      if (form.dataset.busyText) button.textContent = form.dataset.busyText;
      button.setAttribute("aria-disabled", "true");
    }
  });
  // A live character count under each field with a limit. The visible count follows every key; screen readers
  // hear it politely once typing pauses, so it never talks over the person.
  function countCharacters(input) {
    if (input.dataset.counted) return;
    input.dataset.counted = "yes";
    var limit = parseInt(input.dataset.maxlength, 10);
    var box = document.createElement("p");
    box.className = "char-count";
    var shown = document.createElement("span");
    shown.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    box.appendChild(shown);
    box.appendChild(spoken);
    input.insertAdjacentElement("afterend", box);
    var pause = null;
    function text() {
      var body = document.body.dataset, count = input.value.length;
      if (count > limit) return body.charOver.replace("{over}", count - limit);
      return body.charCount.replace("{count}", count).replace("{limit}", limit);
    }
    function update() {
      shown.textContent = text();
      box.classList.toggle("char-count--over", input.value.length > limit);
      clearTimeout(pause);
      pause = setTimeout(function () { spoken.textContent = text(); }, 1500);
    }
    input.addEventListener("input", update);
    shown.textContent = text();
  }
  function countAll(root) {
    var fields = (root || document).querySelectorAll("[data-maxlength]");
    for (var i = 0; i < fields.length; i++) countCharacters(fields[i]);
  }
  document.addEventListener("DOMContentLoaded", function () { countAll(document); });
  document.addEventListener("htmx:load", function (event) { countAll(event.target); });
})();

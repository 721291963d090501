// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  function setStatus(text, failed) {
    var status = document.getElementById("save-status");
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
  document.addEventListener("htmx:responseError", function (event) {
    var code = event.detail.xhr ? event.detail.xhr.status : 0;
    if (code >= 500 || code === 0) setStatus(document.body.dataset.notSaved, true);
  });

  // Signed out while typing (the session ended, or the person signed out in another tab): the server refuses the
  // autosave in place (header X-Planbuilder-Session). Say so and keep the text; when the person comes back to
  // this tab signed in again, take the new session's form token and save what is waiting.
  var waitingForSignIn = [];
  var resuming = false;

  function showSignedOut() {
    var body = document.body.dataset;
    setStatus(body.signedOut, true);
    var link = document.createElement("a");
    link.href = body.signInUrl;
    link.target = "_blank";
    link.rel = "noopener";
    link.className = "save-status__reload";
    link.textContent = body.signInLabel;
    var status = document.getElementById("save-status");
    if (status) { status.appendChild(document.createTextNode(" ")); status.appendChild(link); }
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || !xhr.getResponseHeader("X-Planbuilder-Session")) return;
    showSignedOut();
    var source = event.detail.elt;  // only autosaves are repeated; adding or moving a row is the person's to redo
    if (source.matches("[hx-vals*='_autosave']") && waitingForSignIn.indexOf(source) < 0) waitingForSignIn.push(source);
  });

  function useToken(token) {
    document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRFToken": token}));
    document.querySelectorAll("input[name='csrf_token']").forEach(function (input) { input.value = token; });
  }

  function resumeAfterSignIn() {
    if (!waitingForSignIn.length || resuming || document.visibilityState === "hidden") return;
    resuming = true;
    fetch(document.body.dataset.sessionUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state || !state.signed_in) return;
        useToken(state.csrf_token);
        waitingForSignIn.splice(0).forEach(function (source) { htmx.trigger(source, "change"); });
      })
      .catch(function () {})
      .then(function () { resuming = false; });
  }
  window.addEventListener("focus", resumeAfterSignIn);
  document.addEventListener("visibilitychange", resumeAfterSignIn);

  // Typing is saved after a short pause; until that save has come back, leaving the page would lose it,
  // so the browser asks first.
  var unsaved = 0;
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("[hx-post]")) unsaved += 1;
  });
  document.addEventListener("htmx:afterRequest", function (event) { if (event.detail.successful) unsaved = 0; });
  document.addEventListener("submit", function () { unsaved = 0; });
  window.addEventListener("beforeunload", function (event) {
    if (unsaved > 0) { event.preventDefault(); event.returnValue = ""; }
  });

  // After a list of rows is replaced, put keyboard focus back where the person was working.
  // (Looked up in the document: an outerHTML swap leaves event.detail.target pointing at the removed element.)
  document.addEventListener("htmx:afterSettle", function () {
    var focus = document.querySelector("[data-autofocus]");
    if (!focus) return;
    focus.removeAttribute("data-autofocus");
    focus.focus();
  });

  // The error summary takes focus so screen-reader users hear what went wrong first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();

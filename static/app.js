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

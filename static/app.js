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

  // After a list of rows is replaced, put keyboard focus back where the person was working.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || !target.querySelector) return;
    var focus = target.querySelector("[data-autofocus]");
    if (focus) focus.focus();
  });

  // The error summary takes focus so screen-reader users hear what went wrong first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();

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
    // The element that sent the request: htmx keeps it in requestConfig.elt (a conflict's "Keep my text" button is
    // gone from the page by now, replaced by the answer). Settling a conflict (keep mine, take theirs, both in the
    // box) saves a field for that field's element.
    var config = event.detail.requestConfig, source = (config && config.elt) || event.detail.elt;
    var settled = /^_(keep|take|combine)-(.+)$/.exec(source.name || "");
    var kept = settled ? settled[2] : null;
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

  // A colleague's newer answer is put in place while the page is open (the presence poll, templates/wizard/
  // _presence.html): the poll names what each field held when the page loaded it (its base; a group's without
  // its list of rows, so the address stays short), and the answer brings each field stored differently since
  // (_refresh.html). It replaces the field only where the person is not working: not the field holding the focus,
  // not one with typing not yet saved (nor one whose save was refused). Those are left to the save's merge, which
  // writes over nothing unseen. The lock is not touched: it only guards saves that send no bases, and lowering
  // the page's claim about what it has seen is never the poll's to do.
  function fingerprint(base) { return base.split("|")[0]; }
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id !== "presence") return;
    document.querySelectorAll("#section-form input[name^='_base-']").forEach(function (input) {
      event.detail.parameters[input.name] = fingerprint(input.value);
    });
  });

  var refreshStatus = null;  // announced politely, once per poll that changed something
  function announceRefresh(text) {
    if (!refreshStatus) return;
    refreshStatus.textContent = "";
    setTimeout(function () { refreshStatus.textContent = text; }, 50);
  }
  onReady(function () {
    if (!document.getElementById("presence")) return;
    refreshStatus = document.createElement("div");
    refreshStatus.id = "refresh-status";
    refreshStatus.className = "visually-hidden";
    refreshStatus.setAttribute("role", "status");
    refreshStatus.setAttribute("aria-live", "polite");
    document.body.appendChild(refreshStatus);
  });

  function beingEdited(element) {
    if (element.contains(document.activeElement)) return true;
    return Array.from(unsaved).some(function (source) { return element.contains(source) || source.contains(element); });
  }

  document.addEventListener("htmx:afterSettle", function () {
    var said = [];
    document.querySelectorAll("#presence template[data-refresh]").forEach(function (template) {
      template.remove();  // once: a field skipped now is offered again by the next poll, if still outdated
      var data = template.dataset, base = document.getElementById("base-" + data.refresh);
      var fresh = template.content.firstElementChild;
      var old = fresh && fresh.id && document.getElementById(fresh.id);
      // The page's base must still be the one the poll sent: a save answered meanwhile has moved it on.
      if (!old || !base || fingerprint(base.value) !== data.was || beingEdited(old)) return;
      old.replaceWith(fresh);
      base.value = data.base;
      htmx.process(fresh);
      countAll(fresh);
      said.push(data.message);
    });
    if (said.length) announceRefresh(said.join(" "));
  });

  // Reloading while a save is still waiting (typing within the autosave's pause, or its answer not back yet) must
  // not lose the typing nor race it. Two parts:
  // - one editor token per browser tab (sessionStorage), not per page load: saves this tab made before a reload
  //   are then its own to the server (merge.only_own_saves_since), so the reloaded page is not told of a
  //   "conflict" with itself when the save sent on leaving lands after the page was loaded again;
  // - on leaving, the text of every field still unsaved is kept for this tab, with the base and lock the page
  //   had; when the same address loads again in this tab and shows something else, the text goes back in and is
  //   saved. It is saved naming what the typing started from, so a colleague's answer stored meanwhile is a
  //   conflict the person settles ("Keep my text"), never overwritten unseen.
  var TOKEN_KEY = "planbuilder:editor-token";
  var STASH_PREFIX = "planbuilder:unsaved:";
  var STASH_KEPT_MS = 10 * 60 * 1000;  // older typing is not put back unasked
  function stashKey() { return STASH_PREFIX + location.pathname; }
  function storage() {
    try { return window.sessionStorage; } catch (error) { return null; }  // storage turned off: as before
  }

  onReady(function () {
    var input = document.querySelector("#section-form input[name='editor_token']"), store = storage();
    if (!input || !store) return;
    try {
      var kept = store.getItem(TOKEN_KEY);
      if (kept) input.value = kept; else store.setItem(TOKEN_KEY, input.value);
    } catch (error) { /* as a page of its own */ }
  });

  function autosaveId(source) {
    try { return JSON.parse(source.getAttribute("hx-vals"))._autosave; } catch (error) { return null; }
  }
  function inputsOf(source) {
    return Array.from(source.querySelectorAll("input, textarea, select")).filter(function (input) {
      return input.name && !input.disabled && input.type !== "submit" && input.type !== "button";
    });
  }
  function valueOf(input) {
    var ticked = input.type === "checkbox" || input.type === "radio";
    return {name: input.name, type: input.type, value: input.value, checked: ticked ? input.checked : null};
  }

  // The fields this page has saved: the page loading again may still have read what was stored before (the
  // save and the reload's request are served side by side), so their text is kept on leaving as well.
  var savedHere = new Set();
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr, config = event.detail.requestConfig;
    if (!event.detail.successful || !xhr || xhr.status >= 400) return;
    var source = (config && config.elt) || event.detail.elt;
    var settledBy = /^_(keep|take|combine)-(.+)$/.exec(source.name || ""), kept = settledBy && settledBy[2];
    if (kept) source = document.querySelector("[hx-vals='{\"_autosave\": \"" + kept + "\"}']");
    if (source && source.matches && source.matches("#section-form [hx-vals*='_autosave']")) savedHere.add(source);
  });

  window.addEventListener("pagehide", function () {
    var form = document.getElementById("section-form"), store = storage();
    if (!form || !store) return;
    var sources = Array.from(new Set(Array.from(unsaved).concat(Array.from(savedHere))));
    sources = sources.filter(function (source) { return form.contains(source); });
    if (!sources.length) return;
    var lock = document.getElementById("lock");
    var fields = sources.map(function (source) {
      var id = autosaveId(source), base = id && document.getElementById("base-" + id);
      return {id: id, base: base ? base.value : null, inputs: inputsOf(source).map(valueOf),
              pending: unsaved.has(source)};
    }).filter(function (field) { return field.id; });
    try {
      store.setItem(stashKey(), JSON.stringify({at: Date.now(), lock: lock ? lock.value : "", fields: fields}));
    } catch (error) { /* full: the question on leaving was the warning */ }
  });
  // Back from the browser's page cache: the page still holds its typing and its own waiting saves.
  window.addEventListener("pageshow", function (event) {
    var store = storage();
    if (event.persisted && store) store.removeItem(stashKey());
  });

  // The input on the page for a kept value, when the field is drawn as it was (same rows, same choices).
  function matching(source, kept) {
    var candidates = inputsOf(source).filter(function (input) {
      return input.name === kept.name && (kept.checked === null || input.value === kept.value);
    });
    return candidates.length === 1 ? candidates[0] : null;
  }

  function putBack(source, keptInputs) {
    var pairs = keptInputs.map(function (kept) { return [matching(source, kept), kept]; });
    var same = pairs.every(function (pair) {
      return pair[0] && (pair[1].type !== "hidden" || pair[0].value === pair[1].value);
    });
    if (!same) return false;  // rows added, removed or moved meanwhile: the typing does not fit any more
    var differs = pairs.some(function (pair) {
      return pair[1].checked === null ? pair[0].value !== pair[1].value : pair[0].checked !== pair[1].checked;
    });
    if (!differs) return false;  // the save sent on leaving was stored before the page loaded again
    pairs.forEach(function (pair) {
      if (pair[1].checked === null) pair[0].value = pair[1].value; else pair[0].checked = pair[1].checked;
    });
    return true;
  }

  function restoreUnsaved() {
    var form = document.getElementById("section-form"), store = storage();
    if (!form || !store) return;
    var stash = null;
    try {
      stash = JSON.parse(store.getItem(stashKey()) || "null");
      store.removeItem(stashKey());
    } catch (error) { return; }
    if (!stash || !stash.fields || Date.now() - stash.at > STASH_KEPT_MS) return;
    var lock = document.getElementById("lock"), sources = form.querySelectorAll("[hx-vals*='_autosave']");
    var keptLock = /^\d+$/.test(stash.lock) ? parseInt(stash.lock, 10) : null;
    var pageLock = lock && /^\d+$/.test(lock.value) ? parseInt(lock.value, 10) : null;
    // The page shows an older state than the one left (its request was served before the last save landed).
    var older = keptLock !== null && pageLock !== null && pageLock < keptLock;
    stash.fields.forEach(function (kept) {
      if (!kept.pending && !older) return;  // saved, and the page shows that save or a newer answer
      var source = Array.from(sources).filter(function (s) { return autosaveId(s) === kept.id; })[0];
      if (!source || !putBack(source, kept.inputs)) return;
      var base = document.getElementById("base-" + kept.id);
      if (base && kept.base !== null && base.value !== kept.base) {
        // Stored differently since the typing started (the save sent on leaving, or a colleague): the save
        // names the older base and lock, so the server lets this tab's own saves through and refuses a colleague's.
        base.value = kept.base;
        if (kept.pending && keptLock !== null && pageLock !== null && keptLock < pageLock) lock.value = stash.lock;
      }
      unsaved.add(source);
      typedSinceSent.add(source);
      htmx.trigger(source, "change");
    });
  }
  // After htmx has wired the page up (its own DOMContentLoaded handler), so the put-back saves are sent.
  onReady(function () { setTimeout(restoreUnsaved, 0); });

  function onReady(run) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run); else run();
  }

  // A conflict still open is never hidden by a later save of another answer: the status keeps a link to each.
  // And once one is settled (keep mine, use theirs, combine), the focus goes into that answer's box, where the
  // person goes on writing, instead of being lost with the button that is gone.
  var settling = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var found = /^_(keep|take|combine)-(.+)$/.exec(event.detail.elt.name || "");
    if (found) settling = found[2];
  });
  document.addEventListener("htmx:afterSettle", function () {
    var status = document.getElementById("save-status");
    if (status && !status.querySelector(".save-status__text--failed, a[href^='#']")) {
      document.querySelectorAll("#section-form .clash[data-settle]").forEach(function (panel) {
        var link = document.createElement("a");
        link.href = "#" + panel.id;
        link.className = "save-status__reload";
        link.textContent = panel.dataset.settle;
        status.appendChild(document.createTextNode(" "));
        status.appendChild(link);
      });
    }
    if (!settling) return;
    var area = document.getElementById(settling + "-wrapper") || document.getElementById(settling + "-group");
    var box = area && area.querySelector("textarea, input:not([type=hidden]), select");
    settling = null;
    if (!box) return;
    box.focus();
    if (box.setSelectionRange && typeof box.value === "string") box.setSelectionRange(box.value.length, box.value.length);
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

/* Clearance review UI: keyboard shortcuts and the audited Reveal without a page reload.
   Everything also works without this file (plain forms); nothing here is fetched from elsewhere. */
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" ||
      (target && target.isContentEditable);
  }

  /* ---- queue / list navigation: j/k select a row, Enter or o opens it ---- */
  var rows = Array.prototype.slice.call(
    document.querySelectorAll("table[data-nav] tbody tr[data-href]"));
  var current = -1;
  function select(i) {
    if (!rows.length) { return; }
    i = Math.max(0, Math.min(rows.length - 1, i));
    if (current >= 0) { rows[current].classList.remove("selected"); }
    current = i;
    rows[i].classList.add("selected");
    rows[i].scrollIntoView({ block: "nearest" });
  }
  rows.forEach(function (row, i) {
    row.addEventListener("click", function (e) {
      if (e.target.closest("a, button, input, form")) { return; }
      select(i);
    });
    row.addEventListener("dblclick", function () { window.location = row.dataset.href; });
  });

  /* ---- bulk decision: x (or a click) ticks the selected row; the header box ticks them all ---- */
  function toggleRow() {
    var box = current >= 0 ? rows[current].querySelector("input[name=item]") : null;
    if (!box) { return false; }
    box.checked = !box.checked;
    return true;
  }
  var pickAll = document.getElementById("pick-all");
  if (pickAll) {
    pickAll.hidden = false;
    pickAll.addEventListener("change", function () {
      document.querySelectorAll("input[name=item][form=bulk-form]").forEach(function (box) {
        box.checked = pickAll.checked;
      });
    });
  }

  /* ---- reason codes: only the picked outcome's codes can be chosen ---- */
  function fitCodes(select, outcome) {
    if (!select) { return; }
    select.querySelectorAll("optgroup[data-outcome]").forEach(function (group) {
      var off = !!outcome && group.dataset.outcome !== outcome;
      group.disabled = off;
      group.hidden = off;
      if (off && select.selectedOptions.length && select.selectedOptions[0].parentNode === group) {
        select.value = "";
      }
    });
  }
  var decision = document.getElementById("decision-form");
  if (decision) {
    decision.addEventListener("change", function (e) {
      if (e.target.name === "outcome") { fitCodes(document.getElementById("reason-code"), e.target.value); }
    });
  }
  var bulkOutcome = document.getElementById("bulk-outcome");
  if (bulkOutcome) {
    bulkOutcome.addEventListener("change", function () {
      fitCodes(document.getElementById("bulk-code"), bulkOutcome.value);
    });
  }

  /* ---- Reveal: POST (the server records it in the audit log and grants the original), then
     show that one picture from the granted URL in place of the server-blurred one ---- */
  document.querySelectorAll("form.js-reveal").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = form.querySelector("button");
      if (button) { button.disabled = true; }
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (resp) {
        if (!resp.ok) { throw new Error("reveal refused (" + resp.status + ")"); }
        return resp.json();
      }).then(function (answer) {
        var frame = document.getElementById(form.dataset.frame);
        if (frame) {
          var media = frame.querySelector("img, video");
          if (media && answer && answer.content_url) { media.src = answer.content_url; }
          frame.classList.remove("blurred");
          frame.dataset.revealed = "1";
        }
        var note = document.createElement("span");
        note.className = "muted";
        note.textContent = "revealed (recorded in the audit log)";
        form.replaceWith(note);
      }).catch(function (err) {
        if (button) { button.disabled = false; }
        window.alert(err.message);
      });
    });
  });

  /* ---- submit an asset: the form goes to the JSON API, then the new item opens ---- */
  document.querySelectorAll("form.js-upload").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var status = document.getElementById("upload-status");
      var data = new FormData(form);
      var title = (data.get("title_id") || "").toString().trim();
      data.delete("title_id");
      var file = data.get("file");
      if (!file || !file.size) { data.delete("file"); }
      if (!(data.get("text") || "").toString().trim()) { data.delete("text"); }
      if (!data.get("shoot_date")) { data.delete("shoot_date"); }
      status.textContent = "Screening…";
      fetch("/api/titles/" + encodeURIComponent(title) + "/assets", {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRF-Token": data.get("csrf").toString(), "Accept": "application/json" }
      }).then(function (resp) {
        if (resp.ok) {
          var id = (resp.headers.get("Location") || "").split("/").pop();
          window.location = "/items/" + id;
          return null;
        }
        return resp.json().then(function (problem) {
          status.textContent = problem.detail || problem.title || ("refused (" + resp.status + ")");
        });
      }).catch(function (err) { status.textContent = err.message; });
    });
  });

  /* ---- help overlay ---- */
  var help = document.getElementById("help");
  function toggleHelp(open) {
    if (!help) { return; }
    help.classList.toggle("open", open === undefined ? !help.classList.contains("open") : open);
  }
  if (help) {
    help.addEventListener("click", function (e) { if (e.target === help) { toggleHelp(false); } });
  }

  function submit(selector) {
    var form = document.querySelector(selector);
    if (!form) { return false; }
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    return true;
  }

  function pickOutcome(value) {
    var form = document.getElementById("decision-form");
    if (!form) { return; }
    var radio = form.querySelector("input[name=outcome][value=" + value + "]");
    if (!radio) { return; }
    radio.checked = true;
    fitCodes(document.getElementById("reason-code"), value);
    var field = form.querySelector(value === "request_changes" ? "[name=comment]" : "[name=reason]");
    if (field) { field.focus(); }
  }

  /* Ctrl+Enter (Cmd+Enter) submits the form being typed in when it takes it (the decision
     form, the bulk decision), or else the page's one such form: also from inside a field. */
  function ctrlEnter(e) {
    var form = e.target && e.target.closest ? e.target.closest("form[data-ctrl-enter]") : null;
    if (!form) {
      var forms = document.querySelectorAll("form[data-ctrl-enter]");
      form = forms.length === 1 ? forms[0] : null;
    }
    if (!form) { return false; }
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    return true;
  }

  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key === "Enter") {
      if (ctrlEnter(e)) { e.preventDefault(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "Escape") { toggleHelp(false); if (typing(e.target)) { e.target.blur(); } return; }
    if (typing(e.target)) { return; }
    switch (e.key) {
      case "?": toggleHelp(); break;
      case "j": select(current + 1); break;
      case "k": select(current < 0 ? 0 : current - 1); break;
      case "Enter": case "o":
        if (current >= 0) { window.location = rows[current].dataset.href; } else { return; }
        break;
      case "c":
        if (current >= 0 && rows[current].querySelector("form.js-claim")) {
          var f = rows[current].querySelector("form.js-claim");
          if (f.requestSubmit) { f.requestSubmit(); } else { f.submit(); }
        } else if (!submit("#claim-form")) { submit("#claim-next-form"); }
        break;
      case "r": submit("form.js-reveal"); break;
      case "a": pickOutcome("approve"); break;
      case "x":
        if (!toggleRow()) { pickOutcome("reject"); }
        break;
      case "e": pickOutcome("request_changes"); break;
      default: return;
    }
    e.preventDefault();
  });
})();

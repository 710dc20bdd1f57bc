/* kb: small progressive enhancements. Every page works without this file.
   Served as a static file so the strict Content Security Policy (no inline script) holds. */
(function () {
  "use strict";

  /* "Copy citation": a button after each .citation, added only where the clipboard can be used. */
  function addCopyButtons() {
    if (!navigator.clipboard || !window.isSecureContext) return;
    document.querySelectorAll(".citation").forEach(function (citation) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy citation";
      var status = document.createElement("span");
      status.className = "copy-status";
      status.setAttribute("role", "status");
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(citation.textContent.trim()).then(
          function () { status.textContent = "Citation copied."; },
          function () { status.textContent = "Copying failed: select the citation and copy it."; }
        );
      });
      var holder = citation.closest("p") || citation;
      holder.after(button, status);
    });
  }

  /* Filter forms marked data-autosubmit apply a choice at once. A select changed from the keyboard
     is left alone (arrow keys would reload the page at every step): the Apply button is there. */
  function autosubmitFilters() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      var fromKeyboard = false;
      form.addEventListener("keydown", function () { fromKeyboard = true; });
      form.addEventListener("pointerdown", function () { fromKeyboard = false; });
      form.addEventListener("change", function (event) {
        var field = event.target;
        var choice = field.type === "checkbox" || field.type === "radio" ||
          (field.tagName === "SELECT" && !fromKeyboard);
        if (choice) form.requestSubmit();
      });
      var hint = form.querySelector(".autosubmit-hint");
      if (hint) hint.hidden = false;
    });
  }

  /* The filter sidebar is a <details>, open in the HTML; on a phone it starts closed, so the
     results come first. */
  function collapseSidebarOnPhone() {
    if (!window.matchMedia("(max-width: 48rem)").matches) return;
    document.querySelectorAll("details.sidebar[open]").forEach(function (details) {
      details.open = false;
    });
  }

  /* A broad search leaves its facets (counts over every match) to a second request: fetch
     them into the sidebar. Without this the placeholder is a link to the same counts. */
  function loadDeferredFacets() {
    document.querySelectorAll("[data-facets-url]").forEach(function (holder) {
      fetch(holder.dataset.facetsUrl, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) return;
          var template = document.createElement("template");
          template.innerHTML = html;
          holder.replaceWith(template.content);
        })
        .catch(function () { /* the link stays */ });
    });
  }

  /* Forms marked data-drop-empty leave their empty fields out of the URL they open, so the link
     staff share says only what was chosen. (Without script the page redirects to that URL.) */
  function dropEmptyFields() {
    document.querySelectorAll("form[data-drop-empty]").forEach(function (form) {
      form.addEventListener("formdata", function (event) {
        var entries = Array.from(event.formData.entries());
        entries.forEach(function (entry) { event.formData.delete(entry[0]); });
        entries.forEach(function (entry) {
          if (entry[1] !== "") event.formData.append(entry[0], entry[1]);
        });
      });
    });
  }

  addCopyButtons();
  loadDeferredFacets();
  autosubmitFilters();
  dropEmptyFields();
  collapseSidebarOnPhone();
})();

"use strict";
// Names for the admin's select2 autocompletes, which select2 renders without any: the
// combobox and its search field are labelled by the <label> of the <select> they stand
// for. The list of chosen items also holds a "clear" button, which a list may not
// contain, so it is presented as no list. select2 redraws these parts whenever the
// choice changes, and inline forms add new ones: a MutationObserver applies the names
// again after each redraw.
{
    const setAttribute = (element, name, value) => {
        if (element.getAttribute(name) !== value) {
            element.setAttribute(name, value);
        }
    };

    const labelOf = (select) => {
        if (!select.id) {
            return null;
        }
        const label = document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
        if (label && !label.id) {
            label.id = `${select.id}-label`;
        }
        return label;
    };

    const name = (select) => {
        const container = select.nextElementSibling;
        const label = labelOf(select);
        if (!container || !container.classList.contains("select2") || !label) {
            return;
        }
        const selection = container.querySelector(".select2-selection");
        if (selection) {
            const rendered = selection.querySelector(".select2-selection__rendered[id]");
            const single = selection.classList.contains("select2-selection--single");
            const names = single && rendered ? `${label.id} ${rendered.id}` : label.id;
            setAttribute(selection, "aria-labelledby", names);
            if (single && rendered) {
                // The chosen item's text box (role "textbox"), named like its combobox.
                setAttribute(rendered, "aria-labelledby", names);
            }
        }
        for (const search of container.querySelectorAll(".select2-search__field")) {
            setAttribute(search, "aria-labelledby", label.id);
        }
        for (const list of container.querySelectorAll("ul.select2-selection__rendered")) {
            setAttribute(list, "role", "none");
            for (const item of list.children) {
                setAttribute(item, "role", "none");
            }
        }
    };

    let pending = false;
    const nameAll = () => {
        pending = false;
        document.querySelectorAll("select.admin-autocomplete").forEach(name);
    };
    const soon = () => {
        if (!pending) {
            pending = true;
            window.requestAnimationFrame(nameAll);
        }
    };

    document.addEventListener("DOMContentLoaded", () => {
        soon();
        new MutationObserver(soon).observe(document.body, {childList: true, subtree: true});
    });
}

// Okapi's pages work without this script; it adds what a keyboard user
// and a careful person expect: focus in the open dialog, Escape to close
// it, a user menu that closes, a one-click copy of a new key, a key that
// does not come back from the browser's back-forward cache, and a key form
// that is sent once.
(function () {
  'use strict';

  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), ' +
    'select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

  // The dialog in front: the last modal whose dialog is not inert.
  function frontModal() {
    var modals = document.querySelectorAll('.o_modal');
    for (var i = modals.length - 1; i >= 0; i--) {
      var d = modals[i].querySelector('.o_dialog');
      if (d && !d.hasAttribute('inert')) {
        return modals[i];
      }
    }
    return null;
  }

  function focusables(root) {
    return Array.prototype.filter.call(root.querySelectorAll(FOCUSABLE), function (el) {
      return !el.hidden && el.offsetParent !== null && !el.closest('[inert]');
    });
  }

  function openMenus() {
    return document.querySelectorAll('details.o_user_menu[open]');
  }

  function closeMenus(except) {
    Array.prototype.forEach.call(openMenus(), function (m) {
      if (m !== except) {
        m.removeAttribute('open');
      }
    });
  }

  function focusDialog() {
    var modal = frontModal();
    if (!modal) {
      return;
    }
    var dialog = modal.querySelector('.o_dialog');
    var first = dialog.querySelector('[autofocus]:not([hidden])');
    if (!first || first.offsetParent === null) {
      // Prefer the first field or button of the body over the close cross.
      first = focusables(dialog.querySelector('.o_dialog_body') || dialog)[0] || focusables(dialog)[0];
    }
    if (first) {
      first.focus();
    }
  }

  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') {
      var menus = openMenus();
      if (menus.length) {
        var summary = menus[0].querySelector('summary');
        closeMenus(null);
        if (summary) {
          summary.focus();
        }
        e.preventDefault();
        return;
      }
      var modal = frontModal();
      if (modal && modal.dataset.closeUrl) {
        e.preventDefault();
        window.location.assign(modal.dataset.closeUrl);
      }
      return;
    }
    if (e.key === 'Tab') {
      // Keep Tab inside the dialog in front; the page behind is inert, and
      // this stops the focus from leaving for the browser's own bar.
      var front = frontModal();
      if (!front) {
        return;
      }
      var items = focusables(front.querySelector('.o_dialog'));
      if (!items.length) {
        return;
      }
      var first = items[0];
      var last = items[items.length - 1];
      if (e.shiftKey && (document.activeElement === first || !front.contains(document.activeElement))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (document.activeElement === last || !front.contains(document.activeElement))) {
        e.preventDefault();
        first.focus();
      }
    }
  });

  document.addEventListener('click', function (e) {
    var menu = e.target.closest ? e.target.closest('details.o_user_menu') : null;
    closeMenus(menu);
  });

  // Copy: the Clipboard API where the page may use it, else a selection
  // and the older copy command; if both fail the key stays selected for
  // Ctrl+C.
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function copyFallback(el) {
    selectText(el);
    try {
      return document.execCommand('copy');
    } catch (err) {
      return false;
    }
  }

  function setupCopy(button) {
    var target = document.getElementById(button.dataset.copy);
    if (!target) {
      return;
    }
    var status = button.closest('.o_dialog_body').querySelector('.o_copy_status');
    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = target.textContent.trim();
      var done = function () { say('Copied to the clipboard.'); };
      var fallback = function () {
        if (copyFallback(target)) {
          done();
        } else {
          say('Press Ctrl+C (or ⌘C) to copy the selected key.');
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
  }

  // A page that holds a secret must not come back with it from the
  // back-forward cache: blank it when the page is left, and reload if the
  // browser restores it anyway (the server then says it was shown).
  function guardSecrets() {
    var secrets = document.querySelectorAll('[data-secret]');
    if (!secrets.length) {
      return;
    }
    window.addEventListener('pagehide', function () {
      Array.prototype.forEach.call(secrets, function (el) { el.textContent = ''; });
    });
    window.addEventListener('pageshow', function (e) {
      if (e.persisted) {
        window.location.reload();
      }
    });
  }

  // The page that shows a new key is the answer to the form that made it.
  // Give it the address that says the key was shown, so that a reload or a
  // return from another page asks for that rather than sending the form
  // again.
  function settleAddress() {
    var modal = document.querySelector('[data-shown-url]');
    if (modal && window.history && window.history.replaceState) {
      window.history.replaceState(null, '', modal.dataset.shownUrl);
    }
  }

  // A form that acts once (making a key) is sent once, however many times
  // its button is pressed while the answer is on its way.
  function sendOnce(form) {
    var sent = false;
    form.addEventListener('submit', function (e) {
      if (sent) {
        e.preventDefault();
        return;
      }
      sent = true;
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('button[data-copy]'), setupCopy);
    Array.prototype.forEach.call(document.querySelectorAll('form[data-once]'), sendOnce);
    settleAddress();
    guardSecrets();
    focusDialog();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());

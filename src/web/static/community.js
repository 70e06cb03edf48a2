// Paperboy community: upvote, save, "not interested" and "add to collection" without a reload, the import form, copy BibTeX. No framework; every form works
// without this file, which only enhances it.
(function () {
  'use strict';
  // A form marked with `attr` is posted with fetch and its answer applied in place; a sign-in answer
  // goes to the sign-in page, and anything else falls back to posting the form itself.
  function enhance(attr, apply) {
    document.addEventListener('submit', function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute(attr)) return;
      event.preventDefault();
      var button = form.querySelector('button');
      if (button) button.disabled = true;
      fetch(form.action, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(form)).toString(),
        credentials: 'same-origin',
      })
        .then(function (res) {
          if (res.status === 401)
            return res.json().then(function (j) {
              window.location.href = j.signin || '/signin';
            });
          if (!res.ok) throw new Error(attr + ' failed: ' + res.status);
          return res.json().then(function (j) {
            apply(form, button, j);
          });
        })
        .catch(function () {
          form.submit();
        })
        .finally(function () {
          if (button) button.disabled = false;
        });
    });
  }
  enhance('data-upvote', function (form, button, j) {
    var voted = !!j.voted;
    form.classList.toggle('voted', voted);
    form.action = form.action.replace(/\/(upvote|unvote)$/, voted ? '/unvote' : '/upvote');
    var count = form.querySelector('.count');
    if (count) count.textContent = String(j.upvotes);
    if (button) {
      button.setAttribute('aria-pressed', voted ? 'true' : 'false');
      button.setAttribute('aria-label', voted ? 'Remove your upvote' : 'Upvote');
      button.title = voted ? 'Remove your upvote' : 'Upvote';
    }
  });
  // Save / Not interested: toggled in place; on /for-you a dismissed card leaves the list.
  var LABELS = { save: ['Save', 'Saved'], dismiss: ['Not interested', 'Not interested ✓'] };
  var ACTIONS = { save: ['save', 'unsave'], dismiss: ['dismiss', 'undismiss'] };
  enhance('data-signal', function (form, button, j) {
    var kind = form.getAttribute('data-signal');
    var on = !!j.on;
    var box = form.closest('.signals');
    form.classList.toggle('on', on);
    form.action = form.action.replace(/\/(save|unsave|dismiss|undismiss)$/, '/' + ACTIONS[kind][on ? 1 : 0]);
    if (button) {
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
      button.textContent = LABELS[kind][on ? 1 : 0];
    }
    // Saving takes back a dismissal and the other way round, as on the server.
    var other = box?.querySelector('[data-signal="' + (kind === 'save' ? 'dismiss' : 'save') + '"]');
    if (on && other?.classList.contains('on')) {
      var otherKind = other.getAttribute('data-signal');
      other.classList.remove('on');
      other.action = other.action.replace(/\/(save|unsave|dismiss|undismiss)$/, '/' + ACTIONS[otherKind][0]);
      var ob = other.querySelector('button');
      if (ob) {
        ob.setAttribute('aria-pressed', 'false');
        ob.textContent = LABELS[otherKind][0];
      }
    }
    var card = form.closest('[data-foryou-card]');
    if (card && kind === 'dismiss' && on) {
      card.classList.add('leaving');
      setTimeout(function () {
        card.remove();
      }, 200);
    }
  });
  // Follow / Following (author, member, category and search pages): toggled in place.
  enhance('data-follow', function (form, button, j) {
    var on = !!j.following;
    form.classList.toggle('on', on);
    form.action = on ? '/follows/delete' : '/follows';
    if (button) {
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
      button.textContent = on ? 'Following ✓' : 'Follow';
    }
  });
  // "Add to…": the paper goes into the chosen collection (or a new one) without a reload; a new
  // collection joins every picker on the page.
  enhance('data-collect', function (form, _button, j) {
    var status = form.querySelector('.collect-status');
    if (status) status.textContent = (j.added ? 'Added to ' : 'Already in ') + j.collection.name;
    if (j.created) {
      document.querySelectorAll('form[data-collect] select[name=collection]').forEach(function (select) {
        var option = document.createElement('option');
        option.value = String(j.collection.id);
        option.textContent = j.collection.name;
        select.insertBefore(option, select.querySelector('option[value=new]'));
      });
      var select = form.querySelector('select[name=collection]');
      if (select) select.value = String(j.collection.id);
      var name = form.querySelector('input[name=name]');
      if (name) name.value = '';
    }
  });
  // The import form: a chosen .bib or list file fills the text box (the form itself posts text).
  document.querySelectorAll('[data-file-pick]').forEach(function (label) {
    var input = label.querySelector('input[type=file]');
    var target = input && document.querySelector(input.getAttribute('data-fills'));
    if (!target || !window.FileReader) return;
    label.hidden = false;
    input.addEventListener('change', function () {
      var file = input.files?.[0];
      if (!file) return;
      file.text().then(function (text) {
        target.value = text;
      });
    });
  });
  document.querySelectorAll('[data-copy]').forEach(function (button) {
    var target = document.querySelector(button.getAttribute('data-copy'));
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      navigator.clipboard.writeText(target.textContent || '').then(function () {
        button.textContent = 'Copied';
        setTimeout(function () {
          button.textContent = 'Copy BibTeX';
        }, 1500);
      });
    });
  });
})();

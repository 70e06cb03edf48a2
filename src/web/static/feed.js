// Keyboard shortcuts: on feed pages j/k move between papers, u upvotes, o opens; on a paper page
// u upvotes that paper. Pages work without it; it only adds shortcuts on top of the links and forms
// already there.
(function () {
  'use strict';
  function typing(ev) {
    var t = ev.target;
    return ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented || (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)));
  }
  // requestSubmit fires the submit event, so community.js can upvote in place.
  function upvote(scope) {
    var form = scope.querySelector('form.votes');
    var signIn = scope.querySelector('a.upvote');
    if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
    else if (signIn) window.location.href = signIn.href;
  }
  var cards = Array.prototype.slice.call(document.querySelectorAll('.feed .paper-card'));
  if (!cards.length) {
    var row = document.querySelector('.paper-title-row');
    if (!row) return;
    document.addEventListener('keydown', function (ev) {
      if (ev.key !== 'u' || typing(ev)) return;
      upvote(row);
      ev.preventDefault();
    });
    return;
  }
  var current = -1;

  function select(i) {
    if (i < 0 || i >= cards.length) return;
    if (current >= 0) cards[current].classList.remove('selected');
    current = i;
    var card = cards[i];
    card.classList.add('selected');
    var link = card.querySelector('a.title');
    if (link) link.focus({ preventScroll: true });
    card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  // A click or focus inside a card makes it the current one, so keys continue from there.
  cards.forEach(function (card, i) {
    card.addEventListener('focusin', function () {
      if (current !== i) {
        if (current >= 0) cards[current].classList.remove('selected');
        current = i;
        card.classList.add('selected');
      }
    });
  });

  document.addEventListener('keydown', function (ev) {
    if (typing(ev)) return;
    if (ev.key === 'j') select(current + 1);
    else if (ev.key === 'k') select(current < 0 ? 0 : current - 1);
    else if ((ev.key === 'o' || ev.key === 'u') && current >= 0) {
      var card = cards[current];
      if (ev.key === 'o') {
        var a = card.querySelector('a.title');
        if (a) window.location.href = a.href;
      } else upvote(card);
    } else return;
    ev.preventDefault();
  });
})();

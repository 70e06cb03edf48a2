// Keyboard navigation on feed pages: j/k move between papers, u upvotes, o opens.
// Pages work without it; it only adds shortcuts on top of the links and forms already there.
(function () {
  'use strict';
  var cards = Array.prototype.slice.call(document.querySelectorAll('.feed .paper-card'));
  if (!cards.length) return;
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
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (ev.key === 'j') select(current + 1);
    else if (ev.key === 'k') select(current < 0 ? 0 : current - 1);
    else if ((ev.key === 'o' || ev.key === 'u') && current >= 0) {
      var card = cards[current];
      if (ev.key === 'o') {
        var a = card.querySelector('a.title');
        if (a) window.location.href = a.href;
      } else {
        var form = card.querySelector('form.votes');
        var signIn = card.querySelector('a.upvote');
        // requestSubmit fires the submit event, so community.js can upvote in place.
        if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
        else if (signIn) window.location.href = signIn.href;
      }
    } else return;
    ev.preventDefault();
  });
})();

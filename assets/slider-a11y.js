// Give the date slider's thumb a name and a spoken value ("Thursday 21 April 2016") instead
// of a bare day number; Dash's slider does not expose these attributes itself.
(function () {
  function label() {
    var thumb = document.querySelector('#date-slider [role="slider"]');
    var words = document.getElementById('date-words');
    if (!thumb) { return; }
    var name = document.documentElement.lang === 'fr' ? 'Date affichée' : 'Date shown';
    if (thumb.getAttribute('aria-label') !== name) { thumb.setAttribute('aria-label', name); }
    if (words && words.textContent && thumb.getAttribute('aria-valuetext') !== words.textContent) {
      thumb.setAttribute('aria-valuetext', words.textContent);
    }
  }
  new MutationObserver(label).observe(document.documentElement,
    {subtree: true, childList: true, characterData: true, attributes: true,
     attributeFilter: ['aria-valuenow']});
})();

// Meeting form: search legislators as you type. Without JS the Search button posts the
// form and the server lists the matches; this only makes the same list live.
(function () {
  var box = document.getElementById("legislator-picker");
  if (!box) return;
  var input = box.querySelector("input[name=find]");
  var results = document.getElementById("legislator-results");
  var timer = null;
  function checkedItems() {
    return Array.prototype.filter.call(
      results.querySelectorAll("input[type=checkbox]"), function (c) { return c.checked; });
  }
  function render(found) {
    var keep = checkedItems().map(function (c) { return c.closest("li"); });
    var ids = keep.map(function (li) { return li.querySelector("input").value; });
    var ul = document.createElement("ul");
    ul.className = "checks";
    ul.id = "legislator_ids";
    keep.forEach(function (li) { ul.appendChild(li); });
    found.forEach(function (m) {
      if (ids.indexOf(String(m.id)) !== -1) return;
      var li = document.createElement("li");
      var cb = document.createElement("input");
      cb.type = "checkbox"; cb.name = "legislator_ids"; cb.value = m.id; cb.id = "leg-" + m.id;
      var label = document.createElement("label");
      label.htmlFor = cb.id; label.textContent = m.label;
      li.appendChild(cb); li.appendChild(document.createTextNode(" ")); li.appendChild(label);
      ul.appendChild(li);
    });
    results.innerHTML = "";
    if (!ul.children.length && input.value.trim()) {
      var p = document.createElement("p");
      p.textContent = "No legislator matches \u201c" + input.value.trim() + "\u201d.";
      results.appendChild(p);
    } else {
      results.appendChild(ul);
    }
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 2) return;
      fetch(box.dataset.searchUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { render(data.results); });
    }, 200);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); }
  });
})();

// The two DOM helpers of the page: finding an element by id, and creating one whose text is set
// with textContent (never as HTML).

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error('missing element #' + id);
  return node;
}

/** Creates an element; `text` goes in with textContent. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// A module resolve hook for the page's tests: the page imports the SDK as '/sdk/…' (its path on
// the gateway); in the source tree that is src/.
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('/sdk/')) {
    return next(new URL('../src/' + specifier.slice('/sdk/'.length), import.meta.url).href, context);
  }
  return next(specifier, context);
}

/**
 * Nesting limit of JSON input, checked on the raw text before parsing: validation and our own
 * code walk values recursively, and 8 000 nested arrays blow the stack (a 500 for anyone, even
 * unauthenticated). No input of the API nests beyond a handful of levels.
 */
export const MAX_JSON_DEPTH = 32;

/** True when `text` (JSON) nests arrays/objects deeper than `max`; brackets inside strings do not count. */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

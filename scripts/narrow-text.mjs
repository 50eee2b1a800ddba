// Text the build's string-width stand-in measures itself, one column per character: printable ASCII and the
// one-column symbols the dashboard draws with (box drawing, blocks, arrows, dots, dashes, ellipsis), for which every
// bundled string-width agrees (test/cli/bundle.test.ts checks each character against them). Colours (SGR escapes) count
// nothing, as string-width strips them: narrow text with colours is measured without them (Ink measures every
// coloured line of every frame). Anything else, other escapes included, goes to the real string-width.
export const NARROW_TEXT = /^[\x20-\x7e\u00b7\u2010-\u2027\u2039\u203a\u2190-\u2193\u2500-\u259f\u25cb\u25cf\u2691]*$/;
export const SGR = /\x1b\[[0-9;]*m/g;

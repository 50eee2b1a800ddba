// Small patches to dependencies' start-up and drawing paths, which scripts/build.mjs applies, each failing the build
// when its source text moves (test/cli/bundle.test.ts checks that the ansi-tokenize one returns what the original does):
// - yargs guesses a default version by looking for package.json above the directory that holds node_modules;
//   bundled there is none, so it searches from the working directory, fails an assertion and formats its message,
//   or reads some unrelated package.json (the user's project). Bundled, berth's package root is one directory above
//   the chunk. Kept for that: on Node 24 it saves no CPU measurable here.
// - docker-modem formats every request's options with util.inspect for its debug log, even when that is off: with
//   its socket agent (every open socket, showHidden, no depth limit) ~7.5 ms a request once 20 sockets are open
//   (the API server, the dashboard).
// - yoga-layout (Ink's layout) loads its wasm, inlined as a data: URL, with fetch when fetch exists: that loads all
//   of undici (~50 ms) to decode a string it can decode itself.
// - yargs renders the help of every command it runs, in case the handler later asks for it (showHelp/getHelp from
//   inside a handler, which berth never does): ~10 ms of cliui layout per command.
// - Ink turns every row of every frame back into a string with ansi-tokenize's styledCharsToString, which diffs the
//   styles of each character against the one before it (three Sets and two filters per character, even when they
//   are the same): most of a frame's cost. The same styles in the same order diff to nothing, so that is skipped.
// - Ink compares a frame with the one before it only while the output is shorter than the terminal: a full-screen
//   app (the dashboard) got the whole screen cleared and written again for every React render, also when nothing
//   shown had changed (a redraw a second, 7 KB each, at idle). A full-screen frame that equals the last one is now
//   skipped; a resize still redraws everything (it forgets the last frame, as narrowing the terminal did).
// Each has a name: BERTH_BUILD_WITHOUT=name,... builds without it (bench/patches.mjs measures each that way; the
// figures, and the patches dropped because they no longer paid on Node 24, are in docs/BENCHMARKS.md).
export const sourcePatches = [
  {
    name: 'ink-same-frame',
    file: /[\\/]ink[\\/]build[\\/]ink\.js$/,
    from: `        if (this.lastOutputHeight >= this.options.stdout.rows) {
            const sync = shouldSynchronize(this.options.stdout);`,
    to: `        if (this.lastOutputHeight >= this.options.stdout.rows) {
            if (output === this.lastOutput && !hasStaticOutput) return; // berth: nothing changed
            const sync = shouldSynchronize(this.options.stdout);`,
  },
  {
    name: 'ink-resize-redraw',
    file: /[\\/]ink[\\/]build[\\/]ink\.js$/,
    from: `        this.calculateLayout();
        this.onRender();
        this.lastTerminalWidth = currentWidth;`,
    to: `        this.lastOutput = ''; // berth: a resize redraws the whole frame
        this.calculateLayout();
        this.onRender();
        this.lastTerminalWidth = currentWidth;`,
  },
  {
    name: 'yargs-main-filename',
    file: /yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/,
    from: "const mainFilename = __dirname.substring(0, __dirname.lastIndexOf('node_modules'));",
    to: "const mainFilename = fileURLToPath(new URL('../', import.meta.url));",
  },
  {
    name: 'docker-modem-inspect',
    file: /docker-modem[\\/]lib[\\/]modem\.js$/,
    from: "debug('Sending: %s', util.inspect(options, {",
    to: "if (debug.enabled) debug('Sending: %s', util.inspect(options, {",
  },
  {
    name: 'yoga-fetch',
    file: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/,
    from: '"function"!=typeof fetch',
    to: '!0',
    all: true,
  },
  {
    name: 'ansi-tokenize-same-styles',
    file: /@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]styledChars\.js$/,
    from: 'ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));',
    to: 'const a = chars[i - 1].styles, b = char.styles; if (a.length !== b.length || a.some((c, j) => c.code !== b[j].code || c.endCode !== b[j].endCode)) ret += ansiCodesToString(diffAnsiCodes(a, b));',
  },
  {
    name: 'yargs-help-cache',
    file: /yargs[\\/]build[\\/]lib[\\/]command\.js$/,
    from: 'yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();',
    to: '/* berth: no help cached for a command that runs */',
  },
];

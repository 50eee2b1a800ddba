// One HTTP GET of a service's published port, as the health check and the switch use it.

/** One GET; ok on 2xx/3xx. */
export async function probe(url: string): Promise<{ ok: boolean; detail: string }> {
  // Lazy for start-up: node:http loads only when a deploy probes an http liveness.
  const http = await import('node:http');
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve({ ok: code >= 200 && code < 400, detail: `answered ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ ok: false, detail: `failed: ${(err as NodeJS.ErrnoException).code ?? err.message}` }));
  });
}

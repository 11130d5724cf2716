// The double's request log: one JSON line per request, written when the answer is sent, for
// the test to read. It records the method, the path without its query, the names (never the
// values) of query parameters, which required headers were present and valid, the route,
// the status and a short outcome - never a token, an NHS number or a body.
//
// Sources: JSON Lines (one JSON text per line, RFC 8259 texts separated by "\n"); the
// project's rule that no token, NHS number or clinical content is written to disk.
'use strict';

const fs = require('node:fs');

class RequestLog {
  constructor(path) {
    this.path = path;
    this.count = 0;
  }

  /** Starts an entry for `req`; it is written when `res` finishes. */
  begin(req, res, url) {
    this.count += 1;
    const entry = {
      n: this.count,
      time: new Date().toISOString(),
      method: req.method,
      path: url.pathname,
      query_names: [...new Set(url.searchParams.keys())],
      content_type: req.headers['content-type'] || null,
      accept: req.headers.accept || null,
    };
    res.on('finish', () => {
      entry.status = res.statusCode;
      fs.appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
    });
    return entry;
  }
}

module.exports = { RequestLog };

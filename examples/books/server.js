// A small REST service for the wharf demo: books kept in memory, port from $PORT.
import { createServer } from 'node:http';

const books = new Map(
  [
    { ID: '1', ISBN: '0-201-03801-3', Author: 'Donald Knuth', PublishedYear: '1968' },
    { ID: '2', ISBN: '0-13-110362-8', Author: 'Brian Kernighan, Dennis Ritchie', PublishedYear: '1978' },
    { ID: '3', ISBN: '0-262-51087-1', Author: 'Harold Abelson, Gerald Jay Sussman', PublishedYear: '1985' },
  ].map((b) => [b.ID, b]),
);
let nextId = books.size + 1;
const instance = process.env.WHARF_INSTANCE ?? '0';

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'x-served-by': `books-${instance}` });
  res.end(text);
}

function validate(input) {
  const errors = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return ['body must be a JSON object'];
  if (typeof input.ISBN !== 'string' || !/^[0-9][0-9-]{8,15}[0-9Xx]$/.test(input.ISBN)) errors.push('ISBN must look like 0-201-03801-3');
  if (typeof input.Author !== 'string' || input.Author.trim() === '') errors.push('Author is required');
  const year = Number(input.PublishedYear);
  if (!Number.isInteger(year) || year < 1450 || year > new Date().getFullYear()) errors.push('PublishedYear must be a year');
  return errors;
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') return send(res, 200, { status: 'ok' });
  if (path === '/api/books' && req.method === 'GET') return send(res, 200, [...books.values()]);
  const one = /^\/api\/books\/([^/]+)$/.exec(path);
  if (one && req.method === 'GET') {
    const book = books.get(decodeURIComponent(one[1]));
    return book ? send(res, 200, book) : send(res, 404, { error: 'book not found' });
  }
  if (path === '/api/books' && req.method === 'POST') {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      text += chunk;
      if (text.length > 64 * 1024) req.destroy();
    });
    req.on('end', () => {
      let input;
      try {
        input = JSON.parse(text);
      } catch {
        return send(res, 400, { errors: ['body is not valid JSON'] });
      }
      const errors = validate(input);
      if (errors.length) return send(res, 422, { errors });
      const book = { ID: String(nextId++), ISBN: input.ISBN, Author: input.Author.trim(), PublishedYear: String(input.PublishedYear) };
      books.set(book.ID, book);
      res.setHeader('location', `/api/books/${book.ID}`);
      send(res, 201, book);
    });
    return;
  }
  if (path.startsWith('/api/books')) return send(res, 405, { error: 'method not allowed' });
  send(res, 404, { error: 'not found' });
});

server.listen(Number(process.env.PORT ?? 8000), '127.0.0.1', () => {
  console.log(`books instance ${instance} listening on ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// Streams a large upload through wharf to a sink that discards it, sampling wharf's RSS:
// a proxy that buffered bodies would grow by the upload's size.
import { createServer, request, type Server } from 'node:http';
import { rssBytes } from '../lib/procs.js';

export interface UploadSink { readonly server: Server; received: number }

export async function startSink(port: number): Promise<UploadSink> {
  const sink: UploadSink = { server: createServer(), received: 0 };
  sink.server.on('request', (req, res) => {
    req.on('data', (chunk: Buffer) => (sink.received += chunk.length));
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => sink.server.listen(port, '127.0.0.1', resolve));
  return sink;
}

export interface UploadResult { mb: number; seconds: number; rssBeforeMb: number; rssPeakMb: number; receivedMb: number }

export async function uploadThrough(url: string, wharfPid: number, megabytes: number, sink: UploadSink): Promise<UploadResult> {
  const rssBefore = rssBytes(wharfPid);
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(wharfPid))), 50);
  const started = performance.now();
  const chunk = Buffer.alloc(1024 * 1024, 7);
  await new Promise<void>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < megabytes) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  clearInterval(sampler);
  return {
    mb: megabytes,
    seconds: (performance.now() - started) / 1000,
    rssBeforeMb: rssBefore / 1048576,
    rssPeakMb: peak / 1048576,
    receivedMb: Math.round(sink.received / 1048576),
  };
}

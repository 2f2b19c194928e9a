// The page a browser gets from the control address before it has a session: how to log in,
// and a form to paste the token. Self-contained (no script, inline style), so it needs no
// asset that would itself need a session.
export function loginPage(message = ''): string {
  const note = message ? `<p class="error">${escapeHtml(message)}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wharf · log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#1d232a}
code{background:#eef1f4;padding:.1rem .3rem;border-radius:3px}
input{width:100%;box-sizing:border-box;padding:.4rem;font:inherit}
button{margin-top:.6rem;padding:.4rem 1rem;font:inherit}
.error{color:#b3261e}
</style></head>
<body>
<h1>wharf dashboard</h1>
<p>This control address needs the control token. On the machine running wharf, run
<code>wharf dashboard</code> and open the link it prints, or paste the token here.</p>
${note}
<form method="post" action="/login">
<label for="token">Control token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

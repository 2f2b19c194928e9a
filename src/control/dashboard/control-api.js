// Actions on the control API from the dashboard. The page runs on a browser session (an
// HttpOnly cookie from the login page); every change carries the x-wharf-request header, which
// a cross-site form cannot send, and a session that ended takes the page back to the login.

export const settings = {
  /** Called after every action (the dashboard refreshes its status). */
  afterAction: () => {},
};

/** A 401 means the session ended: reloading shows the login page. */
export function sessionEnded(response) {
  if (response.status !== 401) return false;
  location.reload();
  return true;
}

async function api(method, path) {
  const response = await fetch(path, { method, headers: { 'x-wharf-request': '1' } });
  if (sessionEnded(response)) throw new Error('the session ended; log in again');
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${method} ${path}: HTTP ${response.status}`);
  return body;
}

export function notice(text, isError = false) {
  const box = document.getElementById('notice');
  box.textContent = text;
  box.classList.toggle('error', isError);
  box.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => (box.hidden = true), isError ? 10000 : 4000);
}

export async function action(button, method, path, done) {
  button.disabled = true;
  try {
    await api(method, path);
    notice(done);
  } catch (error) {
    notice(error.message, true);
  } finally {
    button.disabled = false;
    settings.afterAction();
  }
}

// Actions on the control API from the dashboard: POSTs with the control token (asked for in a
// dialog when needed, kept in this tab's session storage), and a notice line for their results.

export const settings = {
  /** From /api/status: actions need the token. */
  tokenRequired: false,
  /** Called after every action (the dashboard refreshes its status). */
  afterAction: () => {},
};

function token() {
  return sessionStorage.getItem('wharf-token') ?? '';
}

async function api(method, path) {
  // Ask before sending when the token is known to be needed: no 401 round trip.
  if (method !== 'GET' && !token() && settings.tokenRequired) {
    if (!(await askToken())) throw new Error('a control token is needed for this action');
  }
  const headers = {};
  if (token()) headers.authorization = `Bearer ${token()}`;
  let response = await fetch(path, { method, headers });
  if (response.status === 401 && method !== 'GET') {
    sessionStorage.removeItem('wharf-token');
    if (!(await askToken())) throw new Error('a control token is needed for this action');
    response = await fetch(path, { method, headers: { authorization: `Bearer ${token()}` } });
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${method} ${path}: HTTP ${response.status}`);
  return body;
}

export function askToken() {
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  input.value = token();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        if (dialog.returnValue === 'save') {
          sessionStorage.setItem('wharf-token', input.value.trim());
          resolve(input.value.trim() !== '');
        } else {
          resolve(false);
        }
      },
      { once: true },
    );
    dialog.showModal();
  });
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

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, session, toProblem } from './api';
import { LiveRegion, ProblemMessage } from './components';
import { feed, type LiveState } from './live';
import { AccountPage } from './pages/account';
import { Overview } from './pages/overview';
import { Payments } from './pages/payments';
import { Rates } from './pages/rates';
import type { Problem, User } from './types';
import './styles.css';

const useHash = () => {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => {
      setHash(location.hash);
    };
    addEventListener('hashchange', changed);
    return () => {
      removeEventListener('hashchange', changed);
    };
  }, []);
  return hash.replace(/^#/, '') || '/overview';
};

const SignIn = ({ onSignedIn }: { onSignedIn: (user: User) => void }) => {
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  const submit = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    setBusy(true);
    setProblem(undefined);
    try {
      const { token } = await api<{ token: string }>('POST', '/v1/tokens', {
        body: { email: data.get('email'), password: data.get('password'), name: 'operator console' },
      });
      session.set(token);
      const user = await api<User>('GET', '/v1/me');
      if (user.role !== 'admin') {
        await api('DELETE', '/v1/tokens/' + encodeURIComponent(token.split('.')[0] ?? '')).catch(() => undefined);
        session.clear();
        setProblem({ title: 'This console is for operators', status: 403, detail: `${user.email} is not an admin.` });
        return;
      }
      onSignedIn(user);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Billing gateway console</h1>
      <form
        aria-label="Sign in"
        onSubmit={(event) => {
          event.preventDefault();
          void submit(event.currentTarget);
        }}
      >
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required minLength={10} />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ProblemMessage problem={problem} />
      </form>
    </main>
  );
};

const PAGES = [
  { path: '/overview', title: 'Overview' },
  { path: '/payments', title: 'Payments' },
  { path: '/rates', title: 'Rates' },
];

const Page = ({ route }: { route: string }) => {
  const account = /^\/accounts\/(.+)$/.exec(route);
  if (account?.[1] !== undefined) return <AccountPage id={decodeURIComponent(account[1])} />;
  if (route === '/payments') return <Payments />;
  if (route === '/rates') return <Rates />;
  return <Overview />;
};

const Shell = ({ user, onSignOut }: { user: User; onSignOut: () => void }) => {
  const route = useHash();
  const [live, setLive] = useState<LiveState>(feed.state);
  useEffect(() => feed.onState(setLive), []);
  useEffect(() => {
    const title = PAGES.find((page) => page.path === route)?.title ?? 'Account';
    document.title = `${title} · Billing gateway console`;
  }, [route]);
  return (
    <>
      <a
        class="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header>
        <span class="brand">Billing gateway</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((page) => (
              <li key={page.path}>
                <a href={`#${page.path}`} aria-current={route === page.path ? 'page' : undefined}>
                  {page.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class={`live live-${live}`} role="status" aria-label={`Live updates: ${live}`}>
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Offline'}
        </span>
        <span class="who">{user.email}</span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
      <footer>
        <LiveRegion />
      </footer>
    </>
  );
};

const App = () => {
  const [user, setUser] = useState<User>();
  const [checking, setChecking] = useState(session.token() !== null);
  useEffect(
    () =>
      session.onSignOut(() => {
        setUser(undefined);
      }),
    [],
  );
  useEffect(() => {
    if (session.token() === null) return;
    api<User>('GET', '/v1/me').then(
      (me) => {
        if (me.role === 'admin') setUser(me);
        setChecking(false);
      },
      () => {
        setChecking(false);
      },
    );
  }, []);
  useEffect(() => {
    if (user === undefined) return;
    feed.start();
    return () => {
      feed.stop();
    };
  }, [user]);
  if (checking) return <p>Loading…</p>;
  if (user === undefined) return <SignIn onSignedIn={setUser} />;
  return (
    <Shell
      user={user}
      onSignOut={() => {
        const id = session.token()?.split('.')[0] ?? '';
        void api('DELETE', `/v1/tokens/${encodeURIComponent(id)}`)
          .catch(() => undefined)
          .finally(() => {
            session.clear();
          });
      }}
    />
  );
};

const root = document.getElementById('app');
if (root !== null) render(<App />, root);

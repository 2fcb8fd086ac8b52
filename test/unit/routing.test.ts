import { router } from '../../functions/lib/routing';

const routes = [
  { method: 'GET', path: '/v1/accounts' },
  { method: 'POST', path: '/v1/accounts' },
  { method: 'GET', path: '/v1/accounts/{id}' },
  { method: 'GET', path: '/v1/accounts/mine' },
  { method: 'GET', path: '/v1/files/{key+}' },
  { method: 'GET', path: '/v1/files/{key}/meta' },
];
const api = router(routes);

describe('route selection, as API Gateway selects HTTP API routes', () => {
  it('prefers a literal segment to a parameter', () => {
    expect(api.match('GET', '/v1/accounts/mine')?.route.path).toBe('/v1/accounts/mine');
    expect(api.match('GET', '/v1/accounts/acc_1')).toEqual({
      route: { method: 'GET', path: '/v1/accounts/{id}' },
      pathParameters: { id: 'acc_1' },
    });
  });

  it('prefers a parameter to a greedy parameter, which takes the rest of the path', () => {
    expect(api.match('GET', '/v1/files/a/meta')?.route.path).toBe('/v1/files/{key}/meta');
    expect(api.match('GET', '/v1/files/a/b/c')?.pathParameters).toEqual({ key: 'a/b/c' });
  });

  it('decodes parameters, and leaves a malformed escape as it is', () => {
    expect(api.match('GET', '/v1/accounts/a%20b')?.pathParameters).toEqual({ id: 'a b' });
    expect(api.match('GET', '/v1/accounts/%E0%A4%A')?.pathParameters).toEqual({ id: '%E0%A4%A' });
  });

  it('matches no route for an empty parameter, an extra segment or another method', () => {
    expect(api.match('GET', '/v1/accounts/')).toBeUndefined();
    expect(api.match('GET', '/v1/accounts/a/b')).toBeUndefined();
    expect(api.match('DELETE', '/v1/accounts')).toBeUndefined();
  });

  it('names the methods a path is served with, whatever was asked, and none for an unknown path', () => {
    expect(api.methodsAt('/v1/accounts')).toEqual(['GET', 'POST']);
    expect(api.methodsAt('/v1/accounts/mine')).toEqual(['GET']);
    expect(api.methodsAt('/v1/nowhere')).toEqual([]);
  });
});

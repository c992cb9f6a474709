// Who is signed in: shared by every feature that shows or hides things by role.
import { useQuery } from '@tanstack/react-query'

import { api, unwrap, type Schemas } from './api/client'
import { useAccessToken } from './session'

export type Me = Schemas['UserOut']
const RANK: Record<string, number> = { user: 0, moderator: 1, admin: 2 }

export function useMe(): { me: Me | undefined; signedIn: boolean; loading: boolean } {
  const token = useAccessToken()
  const query = useQuery({
    queryKey: ['me', token !== null],
    queryFn: async ({ signal }) => unwrap(await api.GET('/api/v1/users/me', { signal })),
    enabled: token !== null,
    staleTime: 60_000,
  })
  return { me: token ? query.data : undefined, signedIn: token !== null, loading: token !== null && query.isPending }
}

export function hasRole(me: Me | undefined, role: 'user' | 'moderator' | 'admin'): boolean {
  return me !== undefined && (RANK[me.role] ?? -1) >= (RANK[role] ?? 99)
}

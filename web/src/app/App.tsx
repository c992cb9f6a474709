import { createBrowserRouter, RouterProvider } from 'react-router'

import { HomePage } from '../features/home/HomePage'
import { Layout, NotFound, RouteError } from './Layout'
import { Providers } from './providers'

// Only the home page is in the first download; every other page (hls.js with the player, the
// charts with the staff area) loads when its route is first visited.
const router = createBrowserRouter([
  {
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <HomePage /> },
      { path: 'films', lazy: async () => ({ Component: (await import('../features/catalog/CatalogPage')).CatalogPage }) },
      {
        path: 'films/:filmId',
        lazy: async () => {
          const [{ FilmPage }, { FilmGuard }] = await Promise.all([
            import('../features/film/FilmPage'),
            import('../features/profiles/FilmGuard'),
          ])
          return { Component: () => <FilmGuard><FilmPage /></FilmGuard> }
        },
      },
      { path: 'login', lazy: async () => ({ Component: (await import('../features/auth/pages')).LoginPage }) },
      { path: 'register', lazy: async () => ({ Component: (await import('../features/auth/pages')).RegisterPage }) },
      { path: 'forgot-password', lazy: async () => ({ Component: (await import('../features/auth/pages')).ForgotPasswordPage }) },
      { path: 'reset-password', lazy: async () => ({ Component: (await import('../features/auth/pages')).ResetPasswordPage }) },
      { path: 'account/:tab?', lazy: async () => ({ Component: (await import('../features/cabinet/CabinetPage')).CabinetPage }) },
      { path: 'subscribe', lazy: async () => ({ Component: (await import('../features/checkout/pages')).PlansPage }) },
      { path: 'payments/success', lazy: async () => ({ Component: (await import('../features/checkout/pages')).CheckoutSuccessPage }) },
      { path: 'payments/cancel', lazy: async () => ({ Component: (await import('../features/checkout/pages')).CheckoutCancelPage }) },
      { path: 'live', lazy: async () => ({ Component: (await import('../features/live/LivePage')).LivePage }) },
      { path: 'admin/*', lazy: async () => ({ Component: (await import('../features/admin/AdminApp')).default }) },
      { path: '*', element: <NotFound /> },
    ],
  },
  // "Who is watching?" and the players take the whole screen: no header.
  {
    path: 'profiles',
    errorElement: <RouteError />,
    lazy: async () => ({ Component: (await import('../features/profiles/ProfilesPage')).ProfilesPage }),
  },
  {
    path: 'live/:eventId',
    errorElement: <RouteError />,
    lazy: async () => ({ Component: (await import('../features/live/LiveWatchPage')).default }),
  },
  {
    path: 'watch/:filmId',
    errorElement: <RouteError />,
    lazy: async () => {
      // a film above the profile's age limit gets the friendly page, not the player's error
      const [{ default: PlayerPage }, { FilmGuard }] = await Promise.all([
        import('../features/player/PlayerPage'),
        import('../features/profiles/FilmGuard'),
      ])
      return { Component: () => <FilmGuard standalone><PlayerPage /></FilmGuard> }
    },
  },
])

export function App() {
  return (
    <Providers>
      <RouterProvider router={router} />
    </Providers>
  )
}

import { lazy, Suspense } from 'react'
import { createBrowserRouter, RouterProvider } from 'react-router'

import { Spinner } from '../components/Spinner'
import { ForgotPasswordPage, LoginPage, RegisterPage, ResetPasswordPage } from '../features/auth/pages'
import { CabinetPage } from '../features/cabinet/CabinetPage'
import { CatalogPage } from '../features/catalog/CatalogPage'
import { CheckoutCancelPage, CheckoutSuccessPage, PlansPage } from '../features/checkout/pages'
import { FilmPage } from '../features/film/FilmPage'
import { HomePage } from '../features/home/HomePage'
import { Layout, NotFound, RouteError } from './Layout'
import { Providers } from './providers'

// hls.js and the staff pages load only on their routes.
const PlayerPage = lazy(() => import('../features/player/PlayerPage'))
const AdminApp = lazy(() => import('../features/admin/AdminApp'))

function Lazy({ children }: { children: React.ReactNode }) {
  return <Suspense fallback={<Spinner />}>{children}</Suspense>
}

const router = createBrowserRouter([
  {
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <HomePage /> },
      { path: 'films', element: <CatalogPage /> },
      { path: 'films/:filmId', element: <FilmPage /> },
      { path: 'login', element: <LoginPage /> },
      { path: 'register', element: <RegisterPage /> },
      { path: 'forgot-password', element: <ForgotPasswordPage /> },
      { path: 'reset-password', element: <ResetPasswordPage /> },
      { path: 'account', element: <CabinetPage /> },
      { path: 'account/:tab', element: <CabinetPage /> },
      { path: 'subscribe', element: <PlansPage /> },
      { path: 'payments/success', element: <CheckoutSuccessPage /> },
      { path: 'payments/cancel', element: <CheckoutCancelPage /> },
      { path: 'admin/*', element: <Lazy><AdminApp /></Lazy> },
      { path: '*', element: <NotFound /> },
    ],
  },
  // The player takes the whole screen: no header.
  { path: 'watch/:filmId', element: <Lazy><PlayerPage /></Lazy>, errorElement: <RouteError /> },
])

export function App() {
  return (
    <Providers>
      <RouterProvider router={router} />
    </Providers>
  )
}

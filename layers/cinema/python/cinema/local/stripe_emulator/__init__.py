"""A local stand-in for the few Stripe API calls the platform makes, with hosted-looking checkout and portal pages that send real signed webhooks."""

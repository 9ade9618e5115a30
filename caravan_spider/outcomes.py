"""How a crawl run ends, and the exit status `caravan-archive crawl` gives for it (README: Run outcomes)."""

EXIT_STATUS = {
    "finished": 0,      # every planned fetch done (a few failures are listed and retried next run)
    "drift": 1,         # the site's markup changed: fields missing in too many pages
    "locked": 2,        # another run holds the archive; nothing was done
    "failed": 3,        # site unreachable, most planned fetches failed, or something could not be stored
    "incomplete": 4,    # a sitemap, feed or listing could not be read: coverage unknown
    "interrupted": 130,  # Ctrl-C or SIGTERM; the next run continues
}

"""What the site is made of: pages in the frame, charts, feeds, search, notices,
the MkDocs run and the swap, deploying."""

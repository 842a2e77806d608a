"""The licence of the text and data we publish, stated once.

The methodology page's "About" section, the site footer and the Atom feed's
<rights> read it from here, so the site never states two licences. CC BY 4.0
is also the licence of the MIT AI Risk Repository taxonomy we classify with,
whose descriptions we reuse with credit. Quotations from sources, and the
archived copies of sources, stay their authors' and are not covered by it.
"""

LICENCE_NAME = "CC BY 4.0"
LICENCE_TITLE = "Creative Commons Attribution 4.0 International"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

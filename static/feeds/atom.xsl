<?xml version="1.0" encoding="utf-8"?>
<!-- Renders /feeds/incidents.atom as a page when it is opened in a browser
     (the feed names this file in an xml-stylesheet instruction). Only the
     site's own stylesheet is linked and nothing inline, so the page keeps to
     the site's Content-Security-Policy. The summaries are already sanitised
     HTML (incidents.rendering), written as HTML. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>

  <xsl:template match="/atom:feed">
    <html lang="en-GB">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="atom:title"/></title>
        <link rel="stylesheet" href="/static/css/site.css"/>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml"/>
      </head>
      <body>
        <header class="site-header">
          <div class="wrap site-header__inner">
            <a class="site-name" href="/">AI Incident Knowledge Base</a>
          </div>
        </header>
        <main id="main" class="wrap feed-page" tabindex="-1">
          <p class="kicker">Atom feed</p>
          <h1><xsl:value-of select="atom:title"/></h1>
          <p class="lede"><xsl:value-of select="atom:subtitle"/></p>
          <div class="notice feed-page__how">
            <p>This is a web feed. To follow new and updated incidents, copy its address into a feed reader:</p>
            <p><code class="feed-page__address"><xsl:value-of select="atom:link[@rel='self']/@href"/></code></p>
            <p>Or browse the <a href="{atom:link[@rel='alternate']/@href}">incident list</a> on the website.</p>
          </div>
          <h2 id="entries-heading">Latest entries</h2>
          <section aria-labelledby="entries-heading">
            <xsl:apply-templates select="atom:entry"/>
            <xsl:if test="not(atom:entry)"><p>No incidents are published yet.</p></xsl:if>
          </section>
        </main>
        <footer class="site-footer">
          <div class="wrap">
            <p><xsl:value-of select="atom:rights"/></p>
          </div>
        </footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <article class="card">
      <h3 class="card__title"><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h3>
      <p class="card__meta">
        <xsl:for-each select="atom:category">
          <span class="badge"><xsl:value-of select="@term"/></span>
          <xsl:text> · </xsl:text>
        </xsl:for-each>
        <xsl:text>Updated </xsl:text>
        <time datetime="{atom:updated}"><xsl:value-of select="substring(atom:updated, 1, 10)"/></time>
      </p>
      <div class="card__snippet prose"><xsl:value-of select="atom:summary" disable-output-escaping="yes"/></div>
    </article>
  </xsl:template>
</xsl:stylesheet>

// Herald never lets Puppeteer download a browser: it uses the machine's Chromium
// (CHROME_PATH, else PUPPETEER_EXECUTABLE_PATH, else a system Chromium; see src/render/findChromium.ts).
module.exports = { skipDownload: true };

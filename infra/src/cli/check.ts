// `npm run check`: packages/check's command line, with its exit status.
import { main } from '@addonkit/check'

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  console.error(`addonkit-check: ${(err as Error).stack ?? err}`)
  process.exit(2)
})

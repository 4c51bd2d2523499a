// What Heroku accepts in a provision answer (protocol §4.2, §9, §11.1): the drain URL rule in
// particular, https or syslog, plain http only for a loopback test stack.
import t from 'tap'
import { provisionAnswerProblem } from '../src/index.js'
import { manifest } from './helper.js'

t.test('log_drain_url: https and syslog accepted, http only on a loopback host', async (t) => {
  const answer = (url: unknown) => provisionAnswerProblem({ id: 'x', log_drain_url: url }, manifest)
  for (const ok of ['https://u:p@drain.example.com/logplex', 'syslog://logs.example.com:514', 'http://127.0.0.1:5002/drain', 'http://localhost:5002/drain', 'http://u:p@[::1]:5002/drain']) {
    t.equal(answer(ok), undefined, ok)
  }
  for (const bad of ['http://drain.example.com/logplex', 'http://127.0.0.1.nip.io/drain', 'ftp://drain.example.com', 'https://', 42, '']) {
    t.match(answer(bad), /must be an https:\/\/ or syslog:\/\/ URL/, String(bad))
  }
})

t.test('config vars from the manifest, as strings; an id', async (t) => {
  t.equal(provisionAnswerProblem({ id: 'x', config: { ACME_LOGS_URL: 'https://x' } }, manifest), undefined)
  t.match(provisionAnswerProblem({ id: 'x', config: { OTHER_URL: 'https://x' } }, manifest), /OTHER_URL is not in the manifest/)
  t.match(provisionAnswerProblem({ id: 'x', config: { ACME_LOGS_URL: 1 } }, manifest), /not a string/)
  t.match(provisionAnswerProblem({ config: {} }, manifest), /no non-empty string "id"/)
  t.match(provisionAnswerProblem(null, manifest), /not a JSON object/)
})

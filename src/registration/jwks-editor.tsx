import { useState } from 'react'
import type { Finding } from './checks.ts'
import { type ClientMetadata, parseClientMetadata } from './client-metadata.ts'
import { downloadText } from './download.ts'
import { FieldFindings } from './field-findings.tsx'
import { buttonPrimary, buttonSecondary, fieldId, hintClass, inputClass, labelClass } from './ui.ts'

type Props = {
  metadata: ClientMetadata
  findings: Finding[]
  onChange: (next: ClientMetadata) => void
  offerKeyPair: boolean
}

const show = (metadata: ClientMetadata) =>
  metadata.jwks ? JSON.stringify(metadata.jwks, null, 2) : ''

/**
 * The jwks field as JSON text, plus in-browser key generation for private_key_jwt: the public
 * key goes into jwks, the private key is offered once as a download and then forgotten.
 */
export function JwksEditor({ metadata, findings, onChange, offerKeyPair }: Props) {
  const [text, setText] = useState(() => show(metadata))
  const [applied, setApplied] = useState(metadata.jwks)
  const [syntaxError, setSyntaxError] = useState<string>()
  const [privatePem, setPrivatePem] = useState<string>()
  const [keyNotice, setKeyNotice] = useState<string>()
  const [busy, setBusy] = useState(false)

  // The metadata changed from elsewhere (import, preset, key generation): show it.
  if (metadata.jwks !== applied) {
    setApplied(metadata.jwks)
    setText(show(metadata))
    setSyntaxError(undefined)
  }

  const apply = (value: string) => {
    setText(value)
    const next: Record<string, unknown> = { ...metadata }
    if (value.trim() === '') {
      delete next.jwks
      setSyntaxError(undefined)
      setApplied(undefined)
      onChange(next as ClientMetadata)
      return
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(value)
    } catch {
      setSyntaxError('Not applied: this is not valid JSON yet.')
      return
    }
    const result = parseClientMetadata({ jwks: parsed })
    if (!result.ok) {
      setSyntaxError(`Not applied: ${result.errors.map((error) => error.message).join(' ')}`)
      return
    }
    setSyntaxError(undefined)
    setApplied(result.metadata.jwks)
    onChange({ ...metadata, jwks: result.metadata.jwks } as ClientMetadata)
  }

  const generate = async () => {
    setBusy(true)
    try {
      const { generateClientKeyPair, keyAlgorithm } = await import('./key-pair.ts')
      const pair = await generateClientKeyPair()
      const keys = [...(metadata.jwks?.keys ?? []), pair.publicJwk]
      onChange({ ...metadata, jwks: { keys }, token_endpoint_auth_signing_alg: keyAlgorithm })
      setPrivatePem(pair.privatePem)
      setKeyNotice(
        `Added public key ${pair.publicJwk.kid} (ES256) to jwks. Download its private key now: it is not kept anywhere.`,
      )
    } catch (error) {
      setKeyNotice(
        `Key generation failed: ${error instanceof Error ? error.message : String(error)}`,
      )
    } finally {
      setBusy(false)
    }
  }

  const own = findings.filter((finding) => finding.field === 'jwks')
  const id = fieldId('jwks')
  return (
    <div>
      <label htmlFor={id} className={labelClass}>
        JSON Web Key Set <code className="text-xs font-normal text-slate-600">jwks</code>
      </label>
      <textarea
        id={id}
        className={`${inputClass} mt-1 h-28 font-mono text-xs`}
        value={text}
        spellCheck={false}
        placeholder='{"keys": [ … public keys … ]}'
        aria-invalid={
          syntaxError !== undefined || own.some((finding) => finding.severity === 'error')
        }
        aria-describedby={`${id}-hint ${id}-findings`}
        onChange={(event) => apply(event.target.value)}
      />
      <p id={`${id}-hint`} className={hintClass}>
        Public keys only. Use this or jwks_uri, not both.
      </p>
      {syntaxError ? <p className="mt-1 text-xs text-red-800">{syntaxError}</p> : null}
      <FieldFindings id={`${id}-findings`} findings={own} />
      {offerKeyPair ? (
        <div className="mt-3 rounded border border-sky-200 bg-sky-50 p-3">
          <p className="text-sm text-slate-800">
            Make an ES256 key pair in this browser: the public key goes into jwks, the private key
            is yours to download once.
          </p>
          <div className="mt-2 flex flex-wrap gap-2">
            <button type="button" className={buttonPrimary} disabled={busy} onClick={generate}>
              {busy ? 'Generating…' : 'Generate a key pair'}
            </button>
            {privatePem ? (
              <>
                <button
                  type="button"
                  className={buttonPrimary}
                  onClick={() => {
                    downloadText('client-private-key.pem', privatePem, 'application/x-pem-file')
                    setPrivatePem(undefined)
                    setKeyNotice('Private key downloaded. Grantlab no longer holds it.')
                  }}
                >
                  Download the private key (once)
                </button>
                <button
                  type="button"
                  className={buttonSecondary}
                  onClick={() => {
                    setPrivatePem(undefined)
                    setKeyNotice('Private key discarded. Generate a new pair if you need one.')
                  }}
                >
                  Discard it
                </button>
              </>
            ) : null}
          </div>
          {keyNotice ? (
            <p role="status" className="mt-2 text-sm text-slate-800">
              {keyNotice}
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  )
}

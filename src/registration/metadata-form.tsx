import { type ReactNode, useState } from 'react'
import { paths } from '../app/paths.ts'
import { authMethods, type Finding, grantTypes } from './checks.ts'
import { type ClientMetadata, type FieldName, fieldSpecs } from './client-metadata.ts'
import { FieldFindings } from './field-findings.tsx'
import { JwksEditor } from './jwks-editor.tsx'
import { ListEditor } from './list-editor.tsx'
import { fieldId, hintClass, inputClass, labelClass, panelClass } from './ui.ts'

type FormProps = {
  metadata: ClientMetadata
  findings: Finding[]
  onChange: (next: ClientMetadata) => void
}

const grantOptions: { value: string; label: string }[] = [
  { value: grantTypes.authorizationCode, label: 'Authorization code' },
  { value: grantTypes.refreshToken, label: 'Refresh token' },
  { value: grantTypes.clientCredentials, label: 'Client credentials' },
  { value: grantTypes.deviceCode, label: 'Device code (RFC 8628)' },
  { value: grantTypes.jwtBearer, label: 'JWT bearer (RFC 7523)' },
  { value: grantTypes.tokenExchange, label: 'Token exchange (RFC 8693)' },
  { value: grantTypes.ciba, label: 'CIBA: approval on the user’s own device' },
  { value: grantTypes.implicit, label: 'Implicit (deprecated)' },
  { value: grantTypes.password, label: 'Password (deprecated)' },
]

const responseTypeOptions = [
  'code',
  'code id_token',
  'id_token',
  'token',
  'id_token token',
  'code token',
  'code id_token token',
]

const authMethodLabels: Record<(typeof authMethods)[number], string> = {
  none: 'none: public client (SPA, native, CLI, device)',
  client_secret_basic: 'client_secret_basic: secret in the Authorization header',
  client_secret_post: 'client_secret_post: secret in the request body',
  client_secret_jwt: 'client_secret_jwt: HMAC assertion made with the secret',
  private_key_jwt: 'private_key_jwt: assertion signed with your private key',
  tls_client_auth: 'tls_client_auth: mutual TLS, CA-issued certificate',
  self_signed_tls_client_auth: 'self_signed_tls_client_auth: mutual TLS, self-signed',
}

function forField(findings: Finding[], field: FieldName) {
  return findings.filter((finding) => finding.field === field)
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replaceAll(/[^a-z]+/g, '-')}`
  return (
    <section aria-labelledby={id} className={panelClass}>
      <h3 id={id} className="text-base font-semibold text-slate-900">
        {title}
      </h3>
      <div className="mt-3 space-y-4">{children}</div>
    </section>
  )
}

type TextFieldProps = {
  field: FieldName
  hint?: string
  placeholder?: string
  mono?: boolean
  metadata: ClientMetadata
  findings: Finding[]
  set: (field: FieldName, value: unknown) => void
}

function TextField({ field, hint, placeholder, mono, metadata, findings, set }: TextFieldProps) {
  const own = forField(findings, field)
  const id = fieldId(field)
  const describedBy = [hint ? `${id}-hint` : '', own.length ? `${id}-findings` : '']
    .join(' ')
    .trim()
  return (
    <div>
      <label htmlFor={id} className={labelClass}>
        {fieldSpecs[field].label}{' '}
        <code className="text-xs font-normal text-slate-600">{field}</code>
      </label>
      <input
        id={id}
        className={`${inputClass} mt-1 ${mono ? 'font-mono' : ''}`}
        value={(metadata[field] as string | undefined) ?? ''}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={own.some((finding) => finding.severity !== 'info')}
        aria-describedby={describedBy || undefined}
        onChange={(event) => set(field, event.target.value)}
      />
      {hint ? (
        <p id={`${id}-hint`} className={hintClass}>
          {hint}
        </p>
      ) : null}
      <FieldFindings id={`${id}-findings`} findings={own} />
    </div>
  )
}

function Checkboxes(props: {
  field: 'grant_types' | 'response_types'
  legend: string
  hint: string
  options: { value: string; label: ReactNode }[]
  values: string[]
  findings: Finding[]
  onChange: (values: string[]) => void
}) {
  const { field, legend, hint, options, values, findings, onChange } = props
  const known = new Set(options.map((option) => option.value))
  const others = values.filter((value) => !known.has(value))
  return (
    <fieldset aria-describedby={`${fieldId(field)}-hint`}>
      <legend className="text-sm font-medium text-slate-800">
        {legend} <code className="text-xs font-normal text-slate-600">{field}</code>
      </legend>
      <p id={`${fieldId(field)}-hint`} className={hintClass}>
        {hint}
      </p>
      <div className="mt-2 grid gap-1 sm:grid-cols-2">
        {[...options, ...others.map((value) => ({ value, label: value }))].map((option, index) => (
          <label key={option.value} className="flex items-center gap-2 text-sm text-slate-800">
            <input
              type="checkbox"
              id={index === 0 ? fieldId(field) : undefined}
              className="h-4 w-4 accent-sky-700"
              checked={values.includes(option.value)}
              onChange={(event) =>
                onChange(
                  event.target.checked
                    ? [...values, option.value]
                    : values.filter((value) => value !== option.value),
                )
              }
            />
            {option.label}
          </label>
        ))}
      </div>
      <FieldFindings id={`${fieldId(field)}-findings`} findings={forField(findings, field)} />
    </fieldset>
  )
}

function Select(props: {
  field: FieldName
  options: { value: string; label: string }[]
  hint?: string
  metadata: ClientMetadata
  findings: Finding[]
  set: (field: FieldName, value: unknown) => void
}) {
  const { field, options, hint, metadata, findings, set } = props
  const value = (metadata[field] as string | undefined) ?? ''
  const id = fieldId(field)
  const own = forField(findings, field)
  const all = options.some((option) => option.value === value)
    ? options
    : [...options, { value, label: `${value} (unrecognised)` }]
  return (
    <div>
      <label htmlFor={id} className={labelClass}>
        {fieldSpecs[field].label}{' '}
        <code className="text-xs font-normal text-slate-600">{field}</code>
      </label>
      <select
        id={id}
        className={`${inputClass} mt-1`}
        value={value}
        aria-describedby={
          [hint ? `${id}-hint` : '', own.length ? `${id}-findings` : ''].join(' ').trim() ||
          undefined
        }
        onChange={(event) => set(field, event.target.value)}
      >
        {all.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {hint ? (
        <p id={`${id}-hint`} className={hintClass}>
          {hint}
        </p>
      ) : null}
      <FieldFindings id={`${id}-findings`} findings={own} />
    </div>
  )
}

function Toggle(props: {
  field: 'dpop_bound_access_tokens' | 'require_pushed_authorization_requests'
  hint: string
  metadata: ClientMetadata
  findings: Finding[]
  set: (field: FieldName, value: unknown) => void
}) {
  const { field, hint, metadata, findings, set } = props
  const id = fieldId(field)
  return (
    <div>
      <div className="flex items-start gap-2">
        <input
          id={id}
          type="checkbox"
          className="mt-0.5 h-4 w-4 accent-sky-700"
          checked={metadata[field] === true}
          aria-describedby={`${id}-hint`}
          onChange={(event) => set(field, event.target.checked ? true : undefined)}
        />
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          {fieldSpecs[field].label}{' '}
          <code className="text-xs font-normal text-slate-600">{field}</code>
        </label>
      </div>
      <p id={`${id}-hint`} className={`${hintClass} ml-6`}>
        {hint}
      </p>
      <FieldFindings id={`${id}-findings`} findings={forField(findings, field)} />
    </div>
  )
}

/** The client metadata form, in groups; every change goes straight back to the page. */
export function MetadataForm({ metadata, findings, onChange }: FormProps) {
  const [appCallback] = useState(
    () => `${window.location.origin}${paths.walkthroughCallback('authorization-code')}`,
  )
  const set = (field: FieldName, value: unknown) => {
    const next: Record<string, unknown> = { ...metadata }
    if (value === undefined || value === '') delete next[field]
    else next[field] = value
    onChange(next as ClientMetadata)
  }
  const shared = { metadata, findings, set }
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic'
  return (
    <div className="space-y-4">
      <Section title="About the client">
        <TextField
          field="client_name"
          placeholder="Orders dashboard"
          hint="Users see this on the consent screen."
          {...shared}
        />
        <Select
          field="application_type"
          hint="native: installed apps (mobile, desktop, CLI, TV); web: everything served from a web server. Defaults to web."
          options={[
            { value: '', label: 'Not set (web)' },
            { value: 'web', label: 'web' },
            { value: 'native', label: 'native' },
          ]}
          {...shared}
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField field="software_id" mono {...shared} />
          <TextField field="software_version" mono {...shared} />
        </div>
      </Section>

      <Section title="Grants">
        <Checkboxes
          field="grant_types"
          legend="Grant types"
          hint="How the client gets tokens. Defaults to authorization_code when none is sent."
          options={grantOptions}
          values={metadata.grant_types ?? []}
          findings={findings}
          onChange={(values) => set('grant_types', values)}
        />
        <Checkboxes
          field="response_types"
          legend="Response types"
          hint="What the authorization endpoint returns. Must agree with the grant types."
          options={responseTypeOptions.map((value) => ({ value, label: <code>{value}</code> }))}
          values={metadata.response_types ?? []}
          findings={findings}
          onChange={(values) => set('response_types', values)}
        />
        <TextField
          field="scope"
          mono
          placeholder="openid profile email"
          hint="Space-separated."
          {...shared}
        />
        {(metadata.grant_types ?? []).includes(grantTypes.ciba) ||
        metadata.backchannel_token_delivery_mode !== undefined ? (
          <Select
            field="backchannel_token_delivery_mode"
            hint="How a CIBA client gets its tokens: poll asks the token endpoint; ping and push need a notification endpoint the server calls (CIBA Core §4)."
            options={[
              { value: '', label: 'Not set' },
              { value: 'poll', label: 'poll: the client asks the token endpoint' },
              { value: 'ping', label: 'ping: the server calls back, then the client asks' },
              { value: 'push', label: 'push: the server sends the tokens to the client' },
            ]}
            {...shared}
          />
        ) : null}
        {metadata.backchannel_token_delivery_mode === 'ping' ||
        metadata.backchannel_token_delivery_mode === 'push' ||
        metadata.backchannel_client_notification_endpoint !== undefined ? (
          <TextField
            field="backchannel_client_notification_endpoint"
            mono
            placeholder="https://app.example.com/ciba/notify"
            hint="Required for ping and push: the server posts there when the user has answered."
            {...shared}
          />
        ) : null}
      </Section>

      <Section title="Redirects">
        <ListEditor
          field="redirect_uris"
          legend="Redirect URIs"
          itemLabel="Redirect URI"
          hint="Exact URIs the server may send the user back to. https; native apps may use a loopback IP or a private-use scheme."
          placeholder="https://app.example.com/callback"
          values={metadata.redirect_uris ?? []}
          findings={forField(findings, 'redirect_uris')}
          onChange={(values) => set('redirect_uris', values)}
          extraAction={{ label: 'Add this app’s walkthrough callback', value: appCallback }}
        />
        <ListEditor
          field="post_logout_redirect_uris"
          legend="Post-logout redirect URIs"
          itemLabel="Post-logout URI"
          placeholder="https://app.example.com/"
          values={metadata.post_logout_redirect_uris ?? []}
          findings={forField(findings, 'post_logout_redirect_uris')}
          onChange={(values) =>
            set('post_logout_redirect_uris', values.length ? values : undefined)
          }
        />
      </Section>

      <Section title="Client authentication">
        <Select
          field="token_endpoint_auth_method"
          hint="Defaults to client_secret_basic. A secret is issued by the server when you register."
          options={authMethods.map((value) => ({ value, label: authMethodLabels[value] }))}
          {...{ ...shared, metadata: { ...metadata, token_endpoint_auth_method: method } }}
        />
        {method === 'private_key_jwt' || method === 'client_secret_jwt' ? (
          <Select
            field="token_endpoint_auth_signing_alg"
            options={[
              { value: '', label: 'Not set' },
              ...(method === 'client_secret_jwt'
                ? ['HS256', 'HS384', 'HS512']
                : ['ES256', 'PS256', 'RS256', 'Ed25519']
              ).map((value) => ({ value, label: value })),
            ]}
            {...shared}
          />
        ) : null}
        {metadata.client_secret !== undefined ? (
          <div>
            <p className={labelClass}>
              Client secret{' '}
              <code className="text-xs font-normal text-slate-600">client_secret</code>
            </p>
            <p className="mt-1 text-sm text-slate-700">
              A secret came in with an import. It is kept for exports but never saved in this
              browser or put in a share link.
            </p>
            <button
              type="button"
              id={fieldId('client_secret')}
              className="mt-2 rounded border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-50"
              onClick={() => set('client_secret', undefined)}
            >
              Remove the client secret
            </button>
            <FieldFindings
              id={`${fieldId('client_secret')}-findings`}
              findings={forField(findings, 'client_secret')}
            />
          </div>
        ) : null}
        <JwksEditor
          metadata={metadata}
          findings={findings}
          onChange={onChange}
          offerKeyPair={method === 'private_key_jwt'}
        />
        <TextField
          field="jwks_uri"
          mono
          placeholder="https://app.example.com/.well-known/jwks.json"
          {...shared}
        />
      </Section>

      <Section title="Tokens">
        <Select
          field="id_token_signed_response_alg"
          options={[
            { value: '', label: 'Not set (RS256)' },
            ...['RS256', 'ES256', 'PS256', 'Ed25519', 'none'].map((value) => ({
              value,
              label: value,
            })),
          ]}
          {...shared}
        />
        <Toggle
          field="dpop_bound_access_tokens"
          hint="Tokens bound to a key the client holds, so a stolen token is useless (RFC 9449 §5.2)."
          {...shared}
        />
        <Toggle
          field="require_pushed_authorization_requests"
          hint="The client must push its authorization request to the server first (RFC 9126 §6)."
          {...shared}
        />
      </Section>

      <Section title="Contacts and links">
        <ListEditor
          field="contacts"
          legend="Contacts"
          itemLabel="Contact"
          placeholder="ops@example.com"
          values={metadata.contacts ?? []}
          findings={forField(findings, 'contacts')}
          onChange={(values) => set('contacts', values.length ? values : undefined)}
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField field="client_uri" mono placeholder="https://app.example.com/" {...shared} />
          <TextField
            field="logo_uri"
            mono
            placeholder="https://app.example.com/logo.png"
            {...shared}
          />
          <TextField
            field="policy_uri"
            mono
            placeholder="https://app.example.com/privacy"
            {...shared}
          />
          <TextField field="tos_uri" mono placeholder="https://app.example.com/terms" {...shared} />
        </div>
      </Section>
    </div>
  )
}

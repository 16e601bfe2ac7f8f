/** What onboarding needs from API Gateway. */
export interface ApiKeyImporter {
  /**
   * Creates the key in API Gateway (enabled, value as given) and links it to the tenant's usage plan.
   * @throws ApiKeyImportError when either step fails; the key's value is then never shown to anyone
   */
  importAppKey(key: AppKey): Promise<ImportedAppKey>;
}

export interface AppKey {
  readonly tenantId: string;
  readonly appId: string;
  /** The plain key, exactly as the SDK will send it in `x-api-key`. */
  readonly apiKey: string;
}

export interface ImportedAppKey {
  readonly apiKeyId: string;
  readonly usagePlanId: string;
}

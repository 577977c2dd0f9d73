{* SPDX-License-Identifier: MIT *}
{* overview.tpl: the VumaERP service in WHMCS's client area (vumaerp_ClientArea's variables). *}
<div class="vumaerp-overview">
{if $vumaerpError}
    <div class="alert alert-warning">{$vumaerpError|escape:'html'}</div>
{else}
    <p>
        <strong>Your ERP:</strong>
        {if $vumaerpUrl}<a href="{$vumaerpUrl|escape:'html'}" target="_blank" rel="noopener">{$vumaerpUrl|escape:'html'}</a>{/if}
    </p>
    <p><strong>State:</strong> {$vumaerpState|escape:'html'} &nbsp; <strong>Country:</strong> {$vumaerpCountry|escape:'html'}</p>
    {if $vumaerpLoginUrl && $vumaerpState == 'active'}
        <a class="btn btn-primary" href="{$vumaerpLoginUrl|escape:'html'}" target="_blank" rel="noopener">Log in to VumaERP</a>
    {/if}
{/if}
</div>

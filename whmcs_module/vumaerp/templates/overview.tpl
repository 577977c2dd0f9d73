{* SPDX-License-Identifier: MIT *}
{* overview.tpl: the VumaERP service in WHMCS's client area (vumaerp_ClientArea's variables).
   Every variable arrives HTML-escaped from vumaerp_ClientArea() (tenant data is whatever someone
   typed): print each as it is, never through |escape again (that would show &amp;amp;), and add
   none that the module does not escape. ContractTest checks both. *}
<div class="vumaerp-overview">
{if $vumaerpError}
    <div class="alert alert-warning">{$vumaerpError}</div>
{else}
    {if $vumaerpSuspended}
    <div class="alert alert-danger vumaerp-suspended">
        <p>{$vumaerpText.suspended_notice}</p>
        {if $vumaerpSuspendReason}<p>{$vumaerpSuspendReason}</p>{/if}
    </div>
    {/if}
    <table class="table table-condensed vumaerp-details">
        <tr><th>{$vumaerpText.your_erp}</th><td>{if $vumaerpUrl}<a href="{$vumaerpUrl}" target="_blank" rel="noopener">{$vumaerpUrl}</a>{else}{$vumaerpText.unknown}{/if}</td></tr>
        <tr><th>{$vumaerpText.login}</th><td>{$vumaerpLogin}</td></tr>
        <tr><th>{$vumaerpText.company}</th><td>{$vumaerpCompany}</td></tr>
        <tr><th>{$vumaerpText.state}</th><td>{$vumaerpStateText}</td></tr>
        {if $vumaerpPlan}<tr><th>{$vumaerpText.plan}</th><td>{$vumaerpPlan}</td></tr>{/if}
        <tr><th>{$vumaerpText.users}</th><td>{$vumaerpUsers}</td></tr>
        <tr><th>{$vumaerpText.storage}</th><td>{$vumaerpStorage}</td></tr>
        <tr><th>{$vumaerpText.country}</th><td>{$vumaerpCountry}</td></tr>
    </table>
    {if $vumaerpSsoUrl}
        <a class="btn btn-primary" href="{$vumaerpSsoUrl}" target="_blank" rel="noopener">{$vumaerpText.log_in}</a>
    {/if}
    {if $vumaerpLoginUrl}
        <a class="btn btn-default" href="{$vumaerpLoginUrl}" target="_blank" rel="noopener">{$vumaerpText.login_page}</a>
    {/if}
{/if}
</div>
